//! Document bodies, encrypted before they leave the process, in an object store: a folder
//! under the data directory by default, or S3 (`s3://bucket/prefix`) for several instances.
//!
//! Owns: the store, the encryption format, streaming in and out. Must not touch the database:
//! the service layer writes the object first and its row second, so that no row ever points to
//! a missing object (an object without a row is an orphan, which `gc` removes).
//!
//! Format of an object: `KDOC\x01`, a 19-byte random nonce prefix, then the plaintext in
//! 64 KiB chunks, each sealed with XChaCha20-Poly1305 in the STREAM construction (a chunk
//! counter and a last-chunk flag in every nonce, so chunks can be neither reordered nor
//! dropped, nor the object truncated). The key is derived per document from
//! `KITDESK_SECRET_KEY` and the document id: plaintext never rests on disk or in the bucket.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use chacha20poly1305::aead::stream::{DecryptorBE32, EncryptorBE32};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305};
use futures_util::{Stream, StreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use sha2::{Digest, Sha256};

/// Plaintext bytes per sealed chunk.
pub const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
const MAGIC: &[u8; 5] = b"KDOC\x01";
const NONCE_PREFIX: usize = 19;
const HEADER: usize = MAGIC.len() + NONCE_PREFIX;
/// Parts sent to the store at once (S3's smallest multipart part is 5 MiB).
const PART: usize = 5 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("document store: {0}")]
    Store(#[from] object_store::Error),
    #[error("document store URL {0:?}: use a folder path or s3://bucket/prefix")]
    BadUrl(String),
    #[error("document store folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("the stored document {0} is damaged or was not written with this key")]
    Damaged(String),
}

/// A 32-byte key for one document.
pub type DocumentKey = [u8; 32];

/// The store of encrypted document bodies.
#[derive(Clone)]
pub struct DocumentStore {
    store: Arc<dyn ObjectStore>,
    prefix: ObjectPath,
    /// What the store is, for logs (`folder data/documents`, `s3://bucket/prefix`).
    pub described: String,
}

impl std::fmt::Debug for DocumentStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DocumentStore({})", self.described)
    }
}

/// An object of the store: its document id (from its name) and when it was written.
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub document_id: String,
    pub last_modified: chrono::DateTime<chrono::Utc>,
    pub size: u64,
}

impl DocumentStore {
    /// `s3://bucket[/prefix][?endpoint=URL&region=R]`, with credentials, region and endpoint
    /// from the usual `AWS_*` variables (the query's `endpoint`, `region`, `access_key_id` and
    /// `secret_access_key` override them: for an S3-compatible server in development and
    /// tests), or a folder path (created 0700).
    pub fn open(url: &str) -> Result<DocumentStore, StorageError> {
        if let Some(rest) = url.strip_prefix("s3://") {
            let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
            let (bucket, prefix) = location.split_once('/').unwrap_or((location, ""));
            if bucket.is_empty() {
                return Err(StorageError::BadUrl(url.to_owned()));
            }
            let mut builder =
                object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
            let mut endpoint = std::env::var("AWS_ENDPOINT").ok();
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                match key {
                    "endpoint" => endpoint = Some(value.to_owned()),
                    "region" => builder = builder.with_region(value),
                    "access_key_id" => builder = builder.with_access_key_id(value),
                    "secret_access_key" => builder = builder.with_secret_access_key(value),
                    _ => return Err(StorageError::BadUrl(url.to_owned())),
                }
            }
            if let Some(endpoint) = endpoint {
                builder = builder
                    .with_allow_http(endpoint.starts_with("http://"))
                    .with_endpoint(endpoint)
                    .with_virtual_hosted_style_request(false);
            }
            let store = builder.build()?;
            return Ok(DocumentStore {
                store: Arc::new(store),
                prefix: ObjectPath::from(prefix.trim_matches('/')),
                // never the query: it may hold a key
                described: format!("s3://{location}"),
            });
        }
        let folder = url.strip_prefix("file://").unwrap_or(url);
        if folder.is_empty() || url.contains("://") && !url.starts_with("file://") {
            return Err(StorageError::BadUrl(url.to_owned()));
        }
        Self::open_folder(Path::new(folder))
    }

    pub fn open_folder(folder: &Path) -> Result<DocumentStore, StorageError> {
        let fail = |source| StorageError::Folder {
            path: folder.display().to_string(),
            source,
        };
        std::fs::create_dir_all(folder).map_err(fail)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o700))
                .map_err(fail)?;
        }
        let store = object_store::local::LocalFileSystem::new_with_prefix(folder)?;
        Ok(DocumentStore {
            store: Arc::new(store),
            prefix: ObjectPath::from(""),
            described: format!("folder {}", folder.display()),
        })
    }

    fn path_of(&self, document_id: &str) -> ObjectPath {
        let name = format!("{document_id}.kdoc");
        if self.prefix.as_ref().is_empty() {
            ObjectPath::from(name)
        } else {
            self.prefix.clone().join(name)
        }
    }

    /// Starts writing a document's body.
    pub async fn begin(
        &self,
        document_id: &str,
        key: &DocumentKey,
    ) -> Result<Upload, StorageError> {
        let path = self.path_of(document_id);
        let writer = self.store.put_multipart(&path).await?;
        let mut nonce = [0u8; NONCE_PREFIX];
        rand::fill(&mut nonce);
        let mut header = Vec::with_capacity(HEADER);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&nonce);
        let cipher = XChaCha20Poly1305::new(key.into());
        let mut upload = Upload {
            writer: WriteMultipart::new_with_chunk_size(writer, PART),
            encryptor: Some(EncryptorBE32::from_aead(cipher, (&nonce).into())),
            pending: Vec::with_capacity(CHUNK),
            size: 0,
            sha256: Sha256::new(),
        };
        upload.writer.write(&header);
        Ok(upload)
    }

    /// Deletes a document's body; a missing object is no error.
    pub async fn delete(&self, document_id: &str) -> Result<(), StorageError> {
        match self.store.delete(&self.path_of(document_id)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The stored bytes as they rest (for checks that nothing is plaintext).
    pub async fn raw(&self, document_id: &str) -> Result<Bytes, StorageError> {
        Ok(self
            .store
            .get(&self.path_of(document_id))
            .await?
            .bytes()
            .await?)
    }

    /// A document's plaintext as a stream of chunks, decrypted and authenticated one by one:
    /// a damaged, truncated or reordered object ends the stream with an error.
    pub async fn read(
        &self,
        document_id: &str,
        key: &DocumentKey,
    ) -> Result<impl Stream<Item = Result<Bytes, StorageError>> + use<>, StorageError> {
        let id = document_id.to_owned();
        let body = self
            .store
            .get(&self.path_of(document_id))
            .await?
            .into_stream();
        let cipher = XChaCha20Poly1305::new(key.into());
        let state = ReadState {
            body: Box::pin(body),
            buffer: Vec::new(),
            decryptor: None,
            cipher: Some(cipher),
            done: false,
            id,
        };
        Ok(futures_util::stream::unfold(state, |mut s| async move {
            if s.done {
                return None;
            }
            let next = s.next_chunk().await;
            if next.is_err() {
                s.done = true;
            }
            match next {
                Ok(Some(chunk)) => Some((Ok(chunk), s)),
                Ok(None) => None,
                Err(e) => Some((Err(e), s)),
            }
        }))
    }

    /// Every object of the store, with the document id its name carries.
    pub async fn list(&self) -> Result<Vec<StoredObject>, StorageError> {
        let prefix = (!self.prefix.as_ref().is_empty()).then_some(&self.prefix);
        let mut objects = Vec::new();
        let mut listing = self.store.list(prefix);
        while let Some(meta) = listing.next().await {
            let meta = meta?;
            let Some(name) = meta.location.filename() else {
                continue;
            };
            let Some(id) = name.strip_suffix(".kdoc") else {
                continue;
            };
            objects.push(StoredObject {
                document_id: id.to_owned(),
                last_modified: meta.last_modified,
                size: meta.size,
            });
        }
        Ok(objects)
    }
}

/// A document body being written: plaintext in, sealed chunks out, SHA-256 of the plaintext
/// kept. Memory per upload: one chunk plus one store part.
pub struct Upload {
    writer: WriteMultipart,
    encryptor: Option<EncryptorBE32<XChaCha20Poly1305>>,
    pending: Vec<u8>,
    size: u64,
    sha256: Sha256,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Written {
    pub size: u64,
    /// SHA-256 of the plaintext, hex.
    pub sha256: String,
}

impl Upload {
    /// Adds plaintext. A full chunk is sealed only once more bytes follow, because the last
    /// chunk is sealed differently.
    pub async fn write(&mut self, mut data: &[u8]) -> Result<(), StorageError> {
        self.size += data.len() as u64;
        self.sha256.update(data);
        while !data.is_empty() {
            if self.pending.len() == CHUNK {
                self.seal_pending()?;
                self.writer.wait_for_capacity(2).await?;
            }
            let room = CHUNK - self.pending.len();
            let take = room.min(data.len());
            let (head, rest) = data.split_at(take);
            self.pending.extend_from_slice(head);
            data = rest;
        }
        Ok(())
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    fn seal_pending(&mut self) -> Result<(), StorageError> {
        let encryptor = self
            .encryptor
            .as_mut()
            .ok_or_else(|| StorageError::Damaged("an upload after its end".into()))?;
        let sealed = encryptor
            .encrypt_next(self.pending.as_slice())
            .map_err(|_| StorageError::Damaged("a chunk could not be sealed".into()))?;
        self.writer.write(&sealed);
        self.pending.clear();
        Ok(())
    }

    /// Seals the last chunk and completes the object.
    pub async fn finish(mut self) -> Result<Written, StorageError> {
        let encryptor = self
            .encryptor
            .take()
            .ok_or_else(|| StorageError::Damaged("an upload finished twice".into()))?;
        let sealed = encryptor
            .encrypt_last(self.pending.as_slice())
            .map_err(|_| StorageError::Damaged("the last chunk could not be sealed".into()))?;
        self.writer.write(&sealed);
        self.writer.finish().await?;
        Ok(Written {
            size: self.size,
            sha256: hex::encode(self.sha256.finalize()),
        })
    }

    /// Gives up: nothing of the object remains.
    pub async fn abort(self) {
        let _ = self.writer.abort().await;
    }
}

type BodyStream = std::pin::Pin<Box<dyn Stream<Item = Result<Bytes, object_store::Error>> + Send>>;

struct ReadState {
    body: BodyStream,
    buffer: Vec<u8>,
    decryptor: Option<DecryptorBE32<XChaCha20Poly1305>>,
    cipher: Option<XChaCha20Poly1305>,
    done: bool,
    id: String,
}

impl ReadState {
    fn damaged(&self) -> StorageError {
        StorageError::Damaged(self.id.clone())
    }

    /// The next plaintext chunk; `None` after the last.
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, StorageError> {
        let sealed = CHUNK + TAG;
        loop {
            if self.decryptor.is_none() && self.buffer.len() >= HEADER {
                if &self.buffer[..MAGIC.len()] != MAGIC {
                    return Err(self.damaged());
                }
                let mut nonce = [0u8; NONCE_PREFIX];
                nonce.copy_from_slice(&self.buffer[MAGIC.len()..HEADER]);
                let cipher = self.cipher.take().ok_or_else(|| self.damaged())?;
                self.decryptor = Some(DecryptorBE32::from_aead(cipher, (&nonce).into()));
                self.buffer.drain(..HEADER);
            }
            // More than one sealed chunk buffered: the first is not the last.
            if self.decryptor.is_some() && self.buffer.len() > sealed {
                let chunk: Vec<u8> = self.buffer.drain(..sealed).collect();
                let id = self.id.clone();
                let decryptor = self
                    .decryptor
                    .as_mut()
                    .ok_or_else(|| StorageError::Damaged(id))?;
                let plain = decryptor
                    .decrypt_next(chunk.as_slice())
                    .map_err(|_| StorageError::Damaged(self.id.clone()))?;
                return Ok(Some(Bytes::from(plain)));
            }
            match self.body.next().await {
                Some(Ok(bytes)) => self.buffer.extend_from_slice(&bytes),
                Some(Err(e)) => return Err(e.into()),
                None => {
                    self.done = true;
                    let decryptor = self.decryptor.take().ok_or_else(|| self.damaged())?;
                    let rest = std::mem::take(&mut self.buffer);
                    let plain = decryptor
                        .decrypt_last(rest.as_slice())
                        .map_err(|_| StorageError::Damaged(self.id.clone()))?;
                    return Ok(if plain.is_empty() {
                        None
                    } else {
                        Some(Bytes::from(plain))
                    });
                }
            }
        }
    }
}

/// Puts raw bytes under a document's name, as a crash would leave them (tests of `gc`).
pub async fn put_raw_for_tests(
    store: &DocumentStore,
    document_id: &str,
    bytes: Vec<u8>,
) -> Result<(), StorageError> {
    store
        .store
        .put(&store.path_of(document_id), PutPayload::from(bytes))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn round_trip(size: usize) {
        let dir = std::env::temp_dir().join(format!("kdoc-{}", uuid::Uuid::new_v4()));
        let store = DocumentStore::open_folder(&dir).unwrap();
        let key = [7u8; 32];
        let plain: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        let mut upload = store.begin("d1", &key).await.unwrap();
        for piece in plain.chunks(10_000) {
            upload.write(piece).await.unwrap();
        }
        let written = upload.finish().await.unwrap();
        assert_eq!(written.size, size as u64);
        assert_eq!(written.sha256, hex::encode(Sha256::digest(&plain)));
        let raw = store.raw("d1").await.unwrap();
        assert_eq!(raw.len(), HEADER + size + TAG * size.div_ceil(CHUNK).max(1));
        let mut back = Vec::new();
        let mut stream = Box::pin(store.read("d1", &key).await.unwrap());
        while let Some(chunk) = stream.next().await {
            back.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(back, plain);
        // another key, a flipped byte, a truncated object: all refused
        let mut wrong = Box::pin(store.read("d1", &[8u8; 32]).await.unwrap());
        assert!(wrong.next().await.unwrap().is_err());
        let mut flipped = raw.to_vec();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        put_raw_for_tests(&store, "d2", flipped).await.unwrap();
        let mut stream = Box::pin(store.read("d2", &key).await.unwrap());
        let mut failed = false;
        while let Some(chunk) = stream.next().await {
            failed |= chunk.is_err();
        }
        assert!(failed);
        if size > CHUNK {
            let truncated = raw[..HEADER + CHUNK + TAG].to_vec();
            put_raw_for_tests(&store, "d3", truncated).await.unwrap();
            let mut stream = Box::pin(store.read("d3", &key).await.unwrap());
            let mut failed = false;
            while let Some(chunk) = stream.next().await {
                failed |= chunk.is_err();
            }
            assert!(failed, "a truncated object is refused");
        }
        let listed = store.list().await.unwrap();
        assert_eq!(listed.len(), if size > CHUNK { 3 } else { 2 });
        store.delete("d1").await.unwrap();
        store.delete("d1").await.unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn documents_round_trip_sealed_in_chunks() {
        for size in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17] {
            round_trip(size).await;
        }
    }
}
