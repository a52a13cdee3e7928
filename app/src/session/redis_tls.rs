//! TLS for `rediss://`: the system's root certificates, plus an optional CA
//! file for servers whose certificate a private CA signed.

use std::{path::Path, sync::Arc};

use fred::types::config::TlsConnector;
use rustls::{pki_types::pem::PemObject, pki_types::CertificateDer, ClientConfig, RootCertStore};

use super::StartError;

/// Builds the TLS connector for Redis.
///
/// # Errors
///
/// Returns [`StartError::InvalidSetting`] naming `REDIS_CA_CERT` when that
/// file cannot be read or contains no usable certificate.
pub(super) fn connector(ca_cert: Option<&Path>) -> Result<TlsConnector, StartError> {
    let mut roots = RootCertStore::empty();

    let native = rustls_native_certs::load_native_certs();
    for err in &native.errors {
        tracing::warn!(error = %err, "skipped a system root certificate that could not be loaded");
    }
    let (_added, _ignored) = roots.add_parsable_certificates(native.certs);

    if let Some(path) = ca_cert {
        let invalid = |reason: String| StartError::InvalidSetting {
            setting: "REDIS_CA_CERT",
            reason,
        };

        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|err| invalid(format!("cannot read {}: {err}", path.display())))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| {
                invalid(format!(
                    "{} is not a PEM certificate file: {err}",
                    path.display()
                ))
            })?;

        if certs.is_empty() {
            return Err(invalid(format!("{} holds no certificate", path.display())));
        }
        for cert in certs {
            roots.add(cert).map_err(|err| {
                invalid(format!(
                    "{} holds an unusable certificate: {err}",
                    path.display()
                ))
            })?;
        }
    }

    // ring rather than aws-lc-rs: it builds with a plain C compiler and is
    // the provider sqlx's rustls feature already brings. rustls 0.23.48
    // deprecates the call only because ring lacks post-quantum key exchange.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| StartError::InvalidSetting {
            setting: "REDIS_URL",
            reason: format!("cannot set up TLS: {err}"),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();

    Ok(config.into())
}
