//! The store contract, checked the same way on every backend: create, load,
//! save, delete, expiry, id collisions, purging and concurrent use.
//!
//! These talk to the store handle the app uses, with its timeout, not to the
//! HTTP layer; `site.rs` covers the same stores through the site.

mod common;

use std::{collections::HashMap, sync::Arc};

use app::session::{connect_store, SessionStoreHandle, StoreSettings};
use common::{run, Backend, TestStore};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use tower_sessions::{
    session::{Id, Record},
    SessionStore,
};

async fn open(store: &TestStore) -> SessionStoreHandle {
    let settings = store.session_settings();
    connect_store(&settings.store, settings.store_timeout)
        .await
        .expect("connect the store")
}

fn record(data: serde_json::Value, expires_in: Duration) -> Record {
    let data: HashMap<String, serde_json::Value> =
        serde_json::from_value(data).expect("a JSON object");
    Record {
        id: Id::default(),
        data,
        expiry_date: OffsetDateTime::now_utc() + expires_in,
    }
}

/// Runs `count` store calls on `session` at once, alternating saves of a new
/// counter value with loads, and returns what the loads read.
///
/// # Panics
///
/// When a call fails or a load finds no session: a torn read would count as
/// a damaged record and lose the session.
async fn save_and_load_concurrently(
    handle: &Arc<SessionStoreHandle>,
    session: &Record,
    count: u64,
) -> Vec<Record> {
    let tasks: Vec<_> = (0..count)
        .map(|i| {
            let handle = Arc::clone(handle);
            let mut session = session.clone();
            tokio::spawn(async move {
                if i % 2 == 0 {
                    session.data.insert("counter".to_owned(), json!(i));
                    handle.save(&session).await.map(|()| None)
                } else {
                    handle.load(&session.id).await.map(Some)
                }
            })
        })
        .collect();

    let mut loads = Vec::new();
    for task in tasks {
        let outcome = task
            .await
            .expect("the task finished")
            .expect("the store call");
        if let Some(loaded) = outcome {
            loads.push(loaded.expect("a load found no session during concurrent saves"));
        }
    }
    loads
}

async fn create_then_load(store: TestStore) {
    let handle = open(&store).await;
    let mut created = record(json!({"user": {"name": "Ada"}}), Duration::hours(1));

    handle.create(&mut created).await.expect("create");
    let loaded = handle.load(&created.id).await.expect("load");

    let loaded = loaded.expect("the created record");
    assert_eq!(loaded.data, created.data);
    assert_eq!(
        loaded.expiry_date.unix_timestamp(),
        created.expiry_date.unix_timestamp()
    );

    store.cleanup().await;
}

async fn load_unknown_id_is_none(store: TestStore) {
    let handle = open(&store).await;

    let loaded = handle.load(&Id::default()).await.expect("load");

    assert!(loaded.is_none());

    store.cleanup().await;
}

async fn save_replaces_data(store: TestStore) {
    let handle = open(&store).await;
    let mut session = record(json!({"step": 1}), Duration::hours(1));
    handle.create(&mut session).await.expect("create");

    session.data.insert("step".to_owned(), json!(2));
    session.expiry_date += Duration::hours(1);
    handle.save(&session).await.expect("save");

    let loaded = handle
        .load(&session.id)
        .await
        .expect("load")
        .expect("the record");
    assert_eq!(loaded.data["step"], 2);
    assert_eq!(
        loaded.expiry_date.unix_timestamp(),
        session.expiry_date.unix_timestamp()
    );

    store.cleanup().await;
}

async fn delete_removes_record(store: TestStore) {
    let handle = open(&store).await;
    let mut session = record(json!({"user": "x"}), Duration::hours(1));
    handle.create(&mut session).await.expect("create");

    handle.delete(&session.id).await.expect("delete");

    assert!(handle.load(&session.id).await.expect("load").is_none());
    assert!(store.stored_record(&session.id.to_string()).await.is_none());

    store.cleanup().await;
}

async fn delete_unknown_id_succeeds(store: TestStore) {
    let handle = open(&store).await;

    let deleted = handle.delete(&Id::default()).await;

    assert!(deleted.is_ok(), "{deleted:?}");

    store.cleanup().await;
}

async fn save_after_delete_stays_deleted(store: TestStore) {
    let handle = open(&store).await;
    let mut session = record(json!({"user": "x"}), Duration::hours(1));
    handle.create(&mut session).await.expect("create");
    handle.delete(&session.id).await.expect("delete");

    let saved = handle.save(&session).await;

    assert!(saved.is_ok(), "{saved:?}");
    assert!(handle.load(&session.id).await.expect("load").is_none());

    store.cleanup().await;
}

async fn expired_record_is_not_loaded(store: TestStore) {
    let handle = open(&store).await;
    let mut session = record(json!({"user": "x"}), Duration::hours(1));
    handle.create(&mut session).await.expect("create");

    session.expiry_date = OffsetDateTime::now_utc() - Duration::minutes(1);
    handle.save(&session).await.expect("save");

    assert!(handle.load(&session.id).await.expect("load").is_none());

    store.cleanup().await;
}

async fn create_never_overwrites_taken_id(store: TestStore) {
    let handle = open(&store).await;
    let mut first = record(json!({"owner": "first"}), Duration::hours(1));
    handle.create(&mut first).await.expect("create the first");

    let mut second = record(json!({"owner": "second"}), Duration::hours(1));
    second.id = first.id;
    handle.create(&mut second).await.expect("create the second");

    assert_ne!(
        second.id, first.id,
        "the colliding record kept the taken id"
    );
    let kept = handle
        .load(&first.id)
        .await
        .expect("load")
        .expect("the first record");
    assert_eq!(kept.data["owner"], "first");
    let moved = handle
        .load(&second.id)
        .await
        .expect("load")
        .expect("the second record");
    assert_eq!(moved.data["owner"], "second");

    store.cleanup().await;
}

async fn purge_removes_expired_records(store: TestStore) {
    let handle = open(&store).await;
    let mut live = record(json!({"state": "live"}), Duration::hours(1));
    handle
        .create(&mut live)
        .await
        .expect("create the live record");
    let mut expired = record(json!({"state": "expired"}), Duration::hours(1));
    handle
        .create(&mut expired)
        .await
        .expect("create the expiring record");
    expired.expiry_date = OffsetDateTime::now_utc() - Duration::minutes(1);
    handle.save(&expired).await.expect("expire it");

    let purged = handle.delete_expired().await.expect("purge");

    if store.backend != Backend::Redis {
        // Redis drops the key itself when its EXAT passes; the others purge.
        assert!(purged >= 1, "purged {purged}");
    }
    assert!(store.stored_record(&expired.id.to_string()).await.is_none());
    assert!(store.stored_record(&live.id.to_string()).await.is_some());

    store.cleanup().await;
}

async fn concurrent_saves_never_corrupt(store: TestStore) {
    let handle = Arc::new(open(&store).await);
    let mut session = record(json!({"counter": 0}), Duration::hours(1));
    handle.create(&mut session).await.expect("create");

    let loads = save_and_load_concurrently(&handle, &session, 100).await;

    for loaded in loads {
        assert!(
            loaded.data["counter"].is_u64(),
            "a load saw {:?}",
            loaded.data
        );
    }
    let last = handle
        .load(&session.id)
        .await
        .expect("load")
        .expect("the record");
    assert!(last.data["counter"].is_u64());

    store.cleanup().await;
}

async fn ping_reaches_store(store: TestStore) {
    let handle = open(&store).await;

    let health = handle.health().await;

    assert!(health.reachable);
    let shared = !matches!(store.backend, Backend::Filesystem | Backend::Sqlite);
    assert_eq!(health.shared_across_instances, shared);

    store.cleanup().await;
}

macro_rules! store_contract {
    ($module:ident, $backend:expr) => {
        mod $module {
            use super::*;

            #[tokio::test]
            async fn create_then_load() {
                run($backend, super::create_then_load).await;
            }

            #[tokio::test]
            async fn load_unknown_id_is_none() {
                run($backend, super::load_unknown_id_is_none).await;
            }

            #[tokio::test]
            async fn save_replaces_data() {
                run($backend, super::save_replaces_data).await;
            }

            #[tokio::test]
            async fn delete_removes_record() {
                run($backend, super::delete_removes_record).await;
            }

            #[tokio::test]
            async fn delete_unknown_id_succeeds() {
                run($backend, super::delete_unknown_id_succeeds).await;
            }

            #[tokio::test]
            async fn save_after_delete_stays_deleted() {
                run($backend, super::save_after_delete_stays_deleted).await;
            }

            #[tokio::test]
            async fn expired_record_is_not_loaded() {
                run($backend, super::expired_record_is_not_loaded).await;
            }

            #[tokio::test]
            async fn create_never_overwrites_taken_id() {
                run($backend, super::create_never_overwrites_taken_id).await;
            }

            #[tokio::test]
            async fn purge_removes_expired_records() {
                run($backend, super::purge_removes_expired_records).await;
            }

            #[tokio::test]
            async fn concurrent_saves_never_corrupt() {
                run($backend, super::concurrent_saves_never_corrupt).await;
            }

            #[tokio::test]
            async fn ping_reaches_store() {
                run($backend, super::ping_reaches_store).await;
            }
        }
    };
}

store_contract!(redis, Backend::Redis);
store_contract!(postgres, Backend::Postgres);
store_contract!(sqlite, Backend::Sqlite);
store_contract!(mariadb, Backend::MySql);
store_contract!(filesystem, Backend::Filesystem);

/// What only the file-based stores have: file modes, and damaged files.
mod files {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
    }

    #[tokio::test]
    async fn folder_and_files_are_private() {
        let store = TestStore::new(Backend::Filesystem).await.expect("a folder");
        let folder = store.folder().expect("the session folder");
        let handle = open(&store).await;
        let mut session = record(json!({"user": "x"}), Duration::hours(1));

        handle.create(&mut session).await.expect("create");
        handle.save(&session).await.expect("save");

        assert_eq!(mode(&folder), 0o700);
        let file = folder.join(format!("{}.session", session.id));
        assert_eq!(mode(&file), 0o600);
    }

    #[tokio::test]
    async fn sqlite_file_is_private() {
        let store = TestStore::new(Backend::Sqlite)
            .await
            .expect("a temporary folder");
        let StoreSettings::Sql { url } = &store.settings else {
            unreachable!("SQLite is an SQL store")
        };
        let file = url
            .expose()
            .strip_prefix("sqlite://")
            .expect("an sqlite:// URL");

        open(&store).await;

        assert_eq!(mode(std::path::Path::new(file)), 0o600);
    }

    #[tokio::test]
    async fn existing_folder_is_tightened() {
        let store = TestStore::new(Backend::Filesystem).await.expect("a folder");
        let folder = store.folder().expect("the session folder");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();

        open(&store).await;

        assert_eq!(mode(&folder), 0o700);
    }

    #[tokio::test]
    async fn damaged_files_are_no_session() {
        let store = TestStore::new(Backend::Filesystem).await.expect("a folder");
        let folder = store.folder().expect("the session folder");
        let handle = open(&store).await;

        let mut truncated = record(json!({"user": "x"}), Duration::hours(1));
        handle.create(&mut truncated).await.expect("create");
        let truncated_path = folder.join(format!("{}.session", truncated.id));
        let bytes = std::fs::read(&truncated_path).unwrap();
        std::fs::write(&truncated_path, &bytes[..bytes.len() / 2]).unwrap();

        let garbage = Id::default();
        let garbage_path = folder.join(format!("{garbage}.session"));
        std::fs::write(&garbage_path, b"\xff\x00 not a session record").unwrap();

        assert!(handle.load(&truncated.id).await.expect("load").is_none());
        assert!(handle.load(&garbage).await.expect("load").is_none());
        assert!(!truncated_path.exists(), "the truncated file was kept");
        assert!(!garbage_path.exists(), "the garbage file was kept");
    }

    #[tokio::test]
    async fn purge_survives_damaged_files() {
        let store = TestStore::new(Backend::Filesystem).await.expect("a folder");
        let folder = store.folder().expect("the session folder");
        let handle = open(&store).await;
        std::fs::write(
            folder.join(format!("{}.session", Id::default())),
            b"garbage",
        )
        .unwrap();
        std::fs::write(folder.join("unrelated.txt"), b"left alone").unwrap();
        let mut live = record(json!({"user": "x"}), Duration::hours(1));
        handle.create(&mut live).await.expect("create");

        let purged = handle.delete_expired().await.expect("purge");

        assert_eq!(purged, 1);
        assert!(
            folder.join("unrelated.txt").exists(),
            "purge removed a foreign file"
        );
        assert!(handle.load(&live.id).await.expect("load").is_some());
    }

    #[tokio::test]
    async fn thousand_concurrent_saves_and_loads() {
        let store = TestStore::new(Backend::Filesystem).await.expect("a folder");
        let handle = Arc::new(open(&store).await);
        let mut session = record(
            json!({"counter": 0, "padding": "x".repeat(4096)}),
            Duration::hours(1),
        );
        handle.create(&mut session).await.expect("create");

        let loads = save_and_load_concurrently(&handle, &session, 1_000).await;

        for loaded in loads {
            assert!(
                loaded.data["counter"].is_u64(),
                "a load saw {:?}",
                loaded.data["counter"]
            );
            assert_eq!(loaded.data["padding"].as_str().map(str::len), Some(4096));
        }
    }
}
