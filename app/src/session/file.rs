//! The filesystem store: one file per session in one folder.
//!
//! A file is named from the session id alone, and only after the id is
//! checked to be 22 base64url characters, so no cookie can name a path
//! outside the folder. Writes go to a temporary file in the same folder that
//! is then renamed over the target, so a reader sees either the old record or
//! the new one, never half of one. Files are created with mode 0600 and the
//! folder is set to 0700. An expired or undecodable file counts as no session
//! and is removed when it is read.
//!
//! The folder belongs to one machine: instances on other machines do not see
//! these sessions.

use std::{
    fs, io,
    io::Write,
    os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt},
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, SystemTime},
};

use async_trait::async_trait;
use rand::Rng;
use tower_sessions::{
    session::{Id, Record},
    session_store, SessionStore,
};

use super::{backend_error, codec, Backend, BackendKind, SessionCounts, StartError};

const SESSION_SUFFIX: &str = ".session";
const TEMP_PREFIX: &str = ".tmp-";

/// A temporary file older than this was left by a crashed write.
const STALE_TEMP_AGE: Duration = Duration::from_secs(3600);

/// Sessions as files in one folder.
#[derive(Clone, Debug)]
pub struct FileStore {
    dir: Arc<PathBuf>,
}

impl FileStore {
    /// Opens the store in `dir`, creating the folder with mode 0700 when it is
    /// missing and tightening it to 0700 when it exists.
    ///
    /// # Errors
    ///
    /// Returns [`StartError::Folder`] when the folder cannot be created, its
    /// mode cannot be set, or a file cannot be written in it.
    pub async fn open(dir: &Path) -> Result<Self, StartError> {
        let dir = dir.to_path_buf();
        let prepared = dir.clone();

        tokio::task::spawn_blocking(move || prepare_folder(&prepared))
            .await
            .map_err(|err| StartError::Folder {
                setting: "SESSION_FILE_DIR",
                path: dir.display().to_string(),
                source: io::Error::other(err),
            })?
            .map_err(|source| StartError::Folder {
                setting: "SESSION_FILE_DIR",
                path: dir.display().to_string(),
                source,
            })?;

        Ok(Self { dir: Arc::new(dir) })
    }

    /// Returns the folder that contains the session files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Returns the path of the file that stores session `id`.
    pub fn path_for(&self, id: &Id) -> session_store::Result<PathBuf> {
        let name = id.to_string();
        if !is_valid_id(&name) {
            return Err(session_store::Error::Backend(
                "refusing a session id that is not 22 base64url characters".to_owned(),
            ));
        }
        Ok(self.dir.join(format!("{name}{SESSION_SUFFIX}")))
    }

    async fn blocking<T, F>(&self, operation: &'static str, work: F) -> session_store::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Path) -> io::Result<T> + Send + 'static,
    {
        let dir = Arc::clone(&self.dir);
        tokio::task::spawn_blocking(move || work(&dir))
            .await
            .map_err(|err| backend_error(operation, err))?
            .map_err(|err| backend_error(operation, err))
    }
}

fn prepare_folder(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;

    // Prove the folder is writable now rather than on the first login.
    let probe = write_temp(dir, "probe", b"")?;
    fs::remove_file(probe)
}

/// Whether `name` has the form tower-sessions gives an id: 22 characters of
/// the URL-safe base64 alphabet.
fn is_valid_id(name: &str) -> bool {
    name.len() == 22
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

/// Writes `bytes` to a new temporary file in `dir` with mode 0600 and
/// returns its path.
fn write_temp(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    let nonce: u64 = rand::thread_rng().gen();
    let path = dir.join(format!("{TEMP_PREFIX}{name}-{nonce:016x}"));

    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)?;
    if let Err(err) = file.write_all(bytes) {
        let _ = fs::remove_file(&path);
        return Err(err);
    }
    Ok(path)
}

/// Writes `bytes` to `path` atomically: to a temporary file in `dir`, then
/// renamed over `path`, so readers see the old content or the new, never part.
fn replace_file(dir: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned());
    let temp = write_temp(dir, name.as_deref().unwrap_or("session"), bytes)?;
    fs::rename(&temp, path).inspect_err(|_| {
        let _ = fs::remove_file(&temp);
    })
}

/// Reads a session file: `None` when it is missing, and also when it is
/// expired or undecodable, in which case it is removed.
fn read_live(path: &Path) -> io::Result<Option<Record>> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    };

    match codec::decode(&bytes) {
        Ok(record) if codec::is_live(&record) => Ok(Some(record)),
        Ok(_) => {
            remove_if_present(path)?;
            Ok(None)
        }
        Err(err) => {
            tracing::warn!(error = %err, "removing a session file that cannot be decoded");
            remove_if_present(path)?;
            Ok(None)
        }
    }
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
        _ => Ok(()),
    }
}

/// Deletes expired, undecodable and stale temporary files; returns how many
/// sessions were deleted. One unreadable file does not stop the pass.
fn purge_folder(dir: &Path) -> io::Result<u64> {
    let mut deleted = 0;

    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let path = entry.path();

        if name.starts_with(TEMP_PREFIX) {
            let age = entry
                .metadata()
                .and_then(|meta| meta.modified())
                .ok()
                .and_then(|modified| SystemTime::now().duration_since(modified).ok());
            if age.is_some_and(|age| age > STALE_TEMP_AGE) {
                remove_if_present(&path)?;
            }
            continue;
        }

        let Some(id) = name.strip_suffix(SESSION_SUFFIX) else {
            continue;
        };
        if !is_valid_id(id) {
            continue;
        }

        let present = path.exists();
        match read_live(&path) {
            Ok(Some(_)) => {}
            Ok(None) if present => deleted += 1,
            Ok(None) => {}
            Err(err) => tracing::warn!(error = %err, "skipped a session file during purge"),
        }
    }

    Ok(deleted)
}

#[async_trait]
impl SessionStore for FileStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let path = self.path_for(&record.id)?;
            let bytes = codec::encode(record)?;

            // A hard link fails when the target exists, which makes "create
            // unless taken" atomic without a lock.
            let created = self
                .blocking("failed to create the session file", move |dir| {
                    let name = path
                        .file_name()
                        .map(|name| name.to_string_lossy().into_owned());
                    let temp = write_temp(dir, name.as_deref().unwrap_or("session"), &bytes)?;
                    let linked = fs::hard_link(&temp, &path);
                    fs::remove_file(&temp)?;
                    match linked {
                        Ok(()) => Ok(true),
                        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Ok(false),
                        Err(err) => Err(err),
                    }
                })
                .await?;

            if created {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let path = self.path_for(&record.id)?;
        let bytes = codec::encode(record)?;

        self.blocking("failed to save the session file", move |dir| {
            // Saving never recreates a session that a concurrent request
            // deleted, such as a logout.
            if !path.exists() {
                tracing::debug!("session was deleted before it was saved; not recreating it");
                return Ok(());
            }
            replace_file(dir, &path, &bytes)
        })
        .await
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        let path = self.path_for(session_id)?;
        self.blocking("failed to read the session file", move |_| read_live(&path))
            .await
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        let path = self.path_for(session_id)?;
        self.blocking("failed to delete the session file", move |_| {
            remove_if_present(&path)
        })
        .await
    }
}

#[async_trait]
impl Backend for FileStore {
    fn kind(&self) -> BackendKind {
        BackendKind::Filesystem
    }

    async fn ping(&self) -> session_store::Result<()> {
        self.blocking("session folder is not writable", |dir| {
            let probe = write_temp(dir, "probe", b"")?;
            fs::remove_file(probe)
        })
        .await
    }

    async fn delete_expired(&self) -> session_store::Result<u64> {
        self.blocking("failed to purge the session folder", purge_folder)
            .await
    }
    async fn count(&self) -> session_store::Result<SessionCounts> {
        let records = self
            .blocking("failed to list the session folder", read_all)
            .await?;
        let live = records
            .iter()
            .filter(|record| record.as_ref().is_some_and(codec::is_live))
            .count() as u64;

        Ok(SessionCounts {
            live,
            expired: records.len() as u64 - live,
        })
    }

    async fn live_records(&self) -> session_store::Result<Vec<Record>> {
        let records = self
            .blocking("failed to list the session folder", read_all)
            .await?;
        Ok(records
            .into_iter()
            .flatten()
            .filter(codec::is_live)
            .collect())
    }

    async fn import(&self, record: &Record) -> session_store::Result<()> {
        let path = self.path_for(&record.id)?;
        let bytes = codec::encode(record)?;

        self.blocking("failed to write the session file", move |dir| {
            replace_file(dir, &path, &bytes)
        })
        .await
    }
}

/// Reads every session file in `dir`, skipping temporary and foreign files.
/// Returns each file's decoded record, or `None` for one that cannot be
/// decoded.
fn read_all(dir: &Path) -> io::Result<Vec<Option<Record>>> {
    let mut records = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(id) = name
            .to_string_lossy()
            .strip_suffix(SESSION_SUFFIX)
            .map(str::to_owned)
        else {
            continue;
        };
        if !is_valid_id(&id) {
            continue;
        }
        match fs::read(entry.path()) {
            Ok(bytes) => records.push(codec::decode(&bytes).ok()),
            // Deleted since the listing: no longer a session.
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_id_accepts_generated_ids() {
        for _ in 0..100 {
            assert!(is_valid_id(&Id::default().to_string()));
        }
    }

    #[test]
    fn valid_id_rejects_paths() {
        for name in [
            "../../../etc/passwd",
            "aaaaaaaaaaaaaaaaaaaa/.",
            "aaaaaaaaaaaaaaaaaaaaa\0",
            "",
        ] {
            assert!(!is_valid_id(name), "{name:?} passed");
        }
    }
}
