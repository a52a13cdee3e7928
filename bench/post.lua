-- wrk script: send every request as an empty form POST, as a browser
-- without JavaScript does for the login and logout buttons.
wrk.method = "POST"
wrk.body = ""
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "text/html"
