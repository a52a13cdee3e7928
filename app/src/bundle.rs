//! The file names of the hydrate bundle and the stylesheet, and the tags in
//! `<head>` that load them.
//!
//! With `hash-files` on, cargo-leptos puts a content hash into each file name
//! and writes the hashes to a file next to the server binary. Leptos 0.8's
//! `HydrationScripts` and `HashedStylesheet` read that file from disk on
//! every render, which is blocking I/O on the async runtime and a panic when
//! the file is gone. This module reads it once per process instead.

use std::{path::PathBuf, sync::OnceLock};

use leptos::prelude::*;

/// The content hashes from cargo-leptos's hash file, one per file kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hashes {
    pub js: Option<String>,
    pub wasm: Option<String>,
    pub css: Option<String>,
}

impl Hashes {
    /// Parses the hash file: one `kind: hash` line per file, such as
    /// `js: 4f2a...`. Kinds other than js, wasm and css are ignored.
    pub fn parse(text: &str) -> Self {
        let mut hashes = Self::default();
        for line in text.lines() {
            let Some((kind, hash)) = line.split_once(':') else {
                continue;
            };
            let hash = Some(hash.trim().to_owned()).filter(|hash| !hash.is_empty());
            match kind.trim() {
                "js" => hashes.js = hash,
                "wasm" => hashes.wasm = hash,
                "css" => hashes.css = hash,
                _ => {}
            }
        }
        hashes
    }
}

/// Returns the path where Leptos expects the hash file: next to the running
/// binary.
///
/// # Errors
///
/// Fails when the path of the running binary cannot be found.
pub fn hash_file_path(options: &LeptosOptions) -> std::io::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let folder = exe.parent().map(PathBuf::from).unwrap_or_default();
    Ok(folder.join(options.hash_file.as_ref()))
}

static HASHES: OnceLock<Hashes> = OnceLock::new();

/// Reads and keeps the hash file, unless an earlier call already did. The
/// server calls this at start-up, so pages never touch the disk.
///
/// # Errors
///
/// Returns a message naming the file when it cannot be read.
pub fn load_hashes(options: &LeptosOptions) -> Result<&'static Hashes, String> {
    if let Some(hashes) = HASHES.get() {
        return Ok(hashes);
    }
    let path = hash_file_path(options)
        .map_err(|err| format!("failed to find the running binary: {err}"))?;
    let text = std::fs::read_to_string(&path)
        .map_err(|err| format!("failed to read {}: {err}", path.display()))?;
    Ok(HASHES.get_or_init(|| Hashes::parse(&text)))
}

/// The URLs of the bundle's JavaScript, WebAssembly and CSS files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleFiles {
    pub js: String,
    pub wasm: String,
    pub css: String,
}

impl BundleFiles {
    /// Builds the URLs from the site settings and, with hashing on, the
    /// hashes.
    pub fn new(options: &LeptosOptions, hashes: Option<&Hashes>) -> Self {
        let pkg = options.site_pkg_dir.trim_matches('/');
        let name = options.output_name.as_ref();
        let url = |hash: Option<&String>, suffix: &str, extension: &str| match hash {
            Some(hash) => format!("/{pkg}/{name}.{hash}.{extension}"),
            None => format!("/{pkg}/{name}{suffix}.{extension}"),
        };
        let hashes = hashes.filter(|_| options.hash_files);

        // wasm-bindgen names the module `<name>_bg.wasm`. cargo-leptos renames
        // it to `<name>.wasm` and marks its builds with LEPTOS_OUTPUT_NAME.
        let wasm_suffix = if option_env!("LEPTOS_OUTPUT_NAME").is_some() {
            ""
        } else {
            "_bg"
        };

        Self {
            js: url(hashes.and_then(|h| h.js.as_ref()), "", "js"),
            wasm: url(hashes.and_then(|h| h.wasm.as_ref()), wasm_suffix, "wasm"),
            css: url(hashes.and_then(|h| h.css.as_ref()), "", "css"),
        }
    }

    /// Returns the files this process serves. With hashing on and no hash
    /// file, it logs an error once and falls back to the plain names, so
    /// the page still renders.
    pub fn for_site(options: &LeptosOptions) -> Self {
        if !options.hash_files {
            return Self::new(options, None);
        }
        match load_hashes(options) {
            Ok(hashes) => Self::new(options, Some(hashes)),
            Err(err) => {
                static LOGGED: OnceLock<()> = OnceLock::new();
                LOGGED.get_or_init(|| {
                    tracing::error!(
                        error = %err,
                        "hash-files is on but the hash file cannot be read; pages link the \
                         unhashed bundle names"
                    );
                });
                Self::new(options, None)
            }
        }
    }

    /// Returns the module script that loads the bundle and hydrates the
    /// page. The URLs come from the build, and are JSON-encoded all the same.
    pub fn hydration_script(&self) -> String {
        let js = serde_json::to_string(&self.js).unwrap_or_default();
        let wasm = serde_json::to_string(&self.wasm).unwrap_or_default();
        format!(
            "import init, {{ hydrate }} from {js};\n\
             init({{ module_or_path: {wasm} }}).then(() => hydrate());"
        )
    }
}

/// Renders the stylesheet link, the preloads and the hydration script for
/// `<head>`.
#[component]
pub fn BundleTags(options: LeptosOptions) -> impl IntoView {
    let files = BundleFiles::for_site(&options);
    let script = files.hydration_script();

    view! {
        <link rel="stylesheet" id="leptos" href=files.css/>
        <link rel="modulepreload" href=files.js/>
        <link rel="preload" href=files.wasm r#as="fetch" r#type="application/wasm" crossorigin=""/>
        <script type="module">{script}</script>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(hash_files: bool) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name("pmblueprints")
            .site_pkg_dir("pkg")
            .hash_files(hash_files)
            .build()
    }

    #[test]
    fn parse_reads_each_kind() {
        let hashes = Hashes::parse("js: 1a2b\nwasm: 3c4d\ncss: 5e6f\nsplit: 77\n");

        assert_eq!(hashes.js.as_deref(), Some("1a2b"));
        assert_eq!(hashes.wasm.as_deref(), Some("3c4d"));
        assert_eq!(hashes.css.as_deref(), Some("5e6f"));
    }

    #[test]
    fn parse_skips_blank_and_malformed_lines() {
        let hashes = Hashes::parse("\n  \nno colon here\njs:\ncss :  9f \n");

        assert_eq!(hashes.js, None);
        assert_eq!(hashes.css.as_deref(), Some("9f"));
    }

    #[test]
    fn hashed_names_carry_the_hashes() {
        let hashes = Hashes::parse("js: aa\nwasm: bb\ncss: cc");

        let files = BundleFiles::new(&options(true), Some(&hashes));

        assert_eq!(files.js, "/pkg/pmblueprints.aa.js");
        assert_eq!(files.wasm, "/pkg/pmblueprints.bb.wasm");
        assert_eq!(files.css, "/pkg/pmblueprints.cc.css");
    }

    #[test]
    fn hashes_are_ignored_with_hashing_off() {
        let hashes = Hashes::parse("js: aa\nwasm: bb\ncss: cc");

        let files = BundleFiles::new(&options(false), Some(&hashes));

        assert_eq!(files.js, "/pkg/pmblueprints.js");
        assert_eq!(files.css, "/pkg/pmblueprints.css");
        assert!(
            files.wasm.starts_with("/pkg/pmblueprints"),
            "{}",
            files.wasm
        );
        assert!(files.wasm.ends_with(".wasm"), "{}", files.wasm);
    }

    #[test]
    fn script_imports_and_hydrates() {
        let hashes = Hashes::parse("js: aa\nwasm: bb\ncss: cc");
        let files = BundleFiles::new(&options(true), Some(&hashes));

        let script = files.hydration_script();

        assert!(
            script.contains(r#"from "/pkg/pmblueprints.aa.js""#),
            "{script}"
        );
        assert!(
            script.contains(r#"module_or_path: "/pkg/pmblueprints.bb.wasm""#),
            "{script}"
        );
        assert!(script.contains("hydrate()"), "{script}");
    }
}
