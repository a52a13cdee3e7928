//! Serves the hydrate bundle and the stylesheet under `/<site-pkg-dir>`, with
//! cache headers that fit their file names.
//!
//! A serverless function with no CDN in front serves these files itself, as
//! the long-running server does.

use axum::{
    extract::Request,
    http::{header, HeaderValue, Response, StatusCode},
    Router,
};
use leptos::prelude::LeptosOptions;
use tower::ServiceExt;
use tower_http::services::{fs::ServeFileSystemResponseBody as ServeBody, ServeDir};

/// For file names that carry a hash of their content: a new build gets new
/// names, so a browser or CDN may keep each file for a year (RFC 8246).
const HASHED_FILES: &str = "public, max-age=31536000, immutable";

/// For file names without a hash: the next build reuses the name, so a cache
/// must revalidate before each use. `ServeDir` responds to that revalidation
/// with a 304, based on `Last-Modified`.
const UNHASHED_FILES: &str = "no-cache";

/// Returns the `Cache-Control` value for the files under the pkg folder.
///
/// cargo-leptos puts a content hash into the names of the `.js`, `.wasm`
/// and `.css` files when `hash-files` is on, and Leptos reads the same
/// setting as [`LeptosOptions::hash_files`].
pub fn cache_control(leptos: &LeptosOptions) -> &'static str {
    if leptos.hash_files {
        HASHED_FILES
    } else {
        UNHASHED_FILES
    }
}

/// Builds the routes that serve `<site-root>/<site-pkg-dir>` from disk. A
/// missing file gets a 404 without a cache header.
pub fn bundle_routes<S>(leptos: &LeptosOptions) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let folder = std::path::Path::new(leptos.site_root.as_ref()).join(leptos.site_pkg_dir.as_ref());
    let route = format!("/{}", leptos.site_pkg_dir.trim_matches('/'));
    let cache = HeaderValue::from_static(cache_control(leptos));

    let serve = ServeDir::new(folder);
    let files =
        ServiceExt::<Request>::map_response(serve, move |mut response: Response<ServeBody>| {
            let cacheable =
                response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED;
            if cacheable {
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, cache.clone());
            }
            response
        });

    Router::new().nest_service(&route, files)
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use tower::ServiceExt;

    use super::*;

    fn site_with_bundle(hash_files: bool) -> (tempfile::TempDir, Router) {
        let site = tempfile::tempdir().expect("create a site folder");
        std::fs::create_dir(site.path().join("pkg")).expect("create pkg");
        std::fs::write(site.path().join("pkg/pmblueprints.js"), "export {};").expect("write js");

        let leptos = LeptosOptions::builder()
            .output_name("pmblueprints")
            .site_root(site.path().display().to_string())
            .hash_files(hash_files)
            .build();
        (site, bundle_routes(&leptos))
    }

    async fn get(router: Router, path: &str) -> Response<Body> {
        let request = Request::get(path).body(Body::empty()).expect("a request");
        router
            .oneshot(request)
            .await
            .expect("the router never fails")
    }

    #[tokio::test]
    async fn hashed_bundle_is_cached_for_a_year() {
        let (_site, router) = site_with_bundle(true);

        let response = get(router, "/pkg/pmblueprints.js").await;

        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
    }

    #[tokio::test]
    async fn unhashed_bundle_is_revalidated() {
        let (_site, router) = site_with_bundle(false);

        let response = get(router, "/pkg/pmblueprints.js").await;

        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-cache");
        assert!(response.headers().contains_key(header::LAST_MODIFIED));
    }

    #[tokio::test]
    async fn missing_file_gets_no_cache_header() {
        let (_site, router) = site_with_bundle(true);

        let response = get(router, "/pkg/missing.js").await;

        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert!(!response.headers().contains_key(header::CACHE_CONTROL));
    }
}
