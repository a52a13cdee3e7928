//! Serialisation of session records, shared by the Redis and filesystem stores.

use time::OffsetDateTime;
use tower_sessions::{session::Record, session_store};

/// Encodes a record as MessagePack, the format tower-sessions' own stores use.
pub(crate) fn encode(record: &Record) -> session_store::Result<Vec<u8>> {
    rmp_serde::to_vec(record).map_err(|err| session_store::Error::Encode(err.to_string()))
}

/// Decodes a record written by [`encode`].
pub(crate) fn decode(bytes: &[u8]) -> session_store::Result<Record> {
    rmp_serde::from_slice(bytes).map_err(|err| session_store::Error::Decode(err.to_string()))
}

/// Whether a record may still be used: its expiry is in the future.
pub(crate) fn is_live(record: &Record) -> bool {
    record.expiry_date > OffsetDateTime::now_utc()
}
