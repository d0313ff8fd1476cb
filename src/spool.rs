//! A spool: a large upload (a filing's ZIP of documents) parked on local disk for the length
//! of one request, so that it is never held whole in memory, and sealed with a key that lives
//! only in this process, so that no plaintext rests on disk even for that moment.
//!
//! The file is a run of 64 KiB chunks, each sealed on its own (XChaCha20-Poly1305, the nonce
//! being the chunk's index under a key made for this spool alone), so that a reader can seek:
//! a ZIP's directory sits at its end. The file is removed when the [`Spool`] is dropped; a
//! crash leaves a file no one can read, which [`clear`] removes at a later start.

use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
const SEALED: u64 = (CHUNK + TAG) as u64;

fn nonce(index: u64) -> XNonce {
    let mut nonce = [0u8; 24];
    nonce[..8].copy_from_slice(&index.to_le_bytes());
    nonce.into()
}

/// Removes a file when dropped.
struct Removed(PathBuf);

impl Drop for Removed {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Removes what earlier runs left in `dir` (their keys died with them): spools untouched for
/// an hour, so that another instance sharing the folder keeps the ones it is writing.
pub fn clear(dir: &Path) -> io::Result<()> {
    let hour = std::time::Duration::from_secs(3600);
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            for entry in entries.flatten() {
                let stale = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > hour);
                if stale && entry.path().extension().is_some_and(|e| e == "spool") {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Writes a spool.
pub struct SpoolWriter {
    file: tokio::fs::File,
    removed: Removed,
    cipher: XChaCha20Poly1305,
    pending: Vec<u8>,
    chunks: u64,
    len: u64,
}

impl SpoolWriter {
    /// Starts a spool in `dir` (made if missing).
    pub async fn create(dir: &Path) -> io::Result<SpoolWriter> {
        tokio::fs::create_dir_all(dir).await?;
        let path = dir.join(format!("{}.spool", Uuid::new_v4()));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await?;
        let mut key = [0u8; 32];
        rand::fill(&mut key);
        Ok(SpoolWriter {
            file,
            removed: Removed(path),
            cipher: XChaCha20Poly1305::new(&key.into()),
            pending: Vec::with_capacity(CHUNK),
            chunks: 0,
            len: 0,
        })
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub async fn write(&mut self, mut data: &[u8]) -> io::Result<()> {
        self.len += data.len() as u64;
        while !data.is_empty() {
            let take = (CHUNK - self.pending.len()).min(data.len());
            self.pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.pending.len() == CHUNK {
                self.seal().await?;
            }
        }
        Ok(())
    }

    async fn seal(&mut self) -> io::Result<()> {
        let sealed = self
            .cipher
            .encrypt(&nonce(self.chunks), self.pending.as_slice())
            .map_err(|_| io::Error::other("spool: sealing failed"))?;
        self.file.write_all(&sealed).await?;
        self.pending.clear();
        self.chunks += 1;
        Ok(())
    }

    /// Seals the rest and hands over the spool for reading.
    pub async fn finish(mut self) -> io::Result<Spool> {
        if !self.pending.is_empty() {
            self.seal().await?;
        }
        self.file.flush().await?;
        self.file.sync_data().await?;
        Ok(Spool {
            removed: self.removed,
            cipher: self.cipher,
            len: self.len,
        })
    }
}

/// A written spool: read it with [`Spool::reader`]; dropping it removes the file.
pub struct Spool {
    removed: Removed,
    cipher: XChaCha20Poly1305,
    len: u64,
}

impl Spool {
    /// Bytes of plaintext.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A blocking reader that seeks (run it off the async threads).
    pub fn reader(&self) -> io::Result<SpoolReader<'_>> {
        Ok(SpoolReader {
            file: std::fs::File::open(&self.removed.0)?,
            spool: self,
            position: 0,
            cached: None,
        })
    }
}

/// Reads a spool's plaintext, opening one chunk at a time.
pub struct SpoolReader<'a> {
    file: std::fs::File,
    spool: &'a Spool,
    position: u64,
    cached: Option<(u64, Vec<u8>)>,
}

impl SpoolReader<'_> {
    fn chunk(&mut self, index: u64) -> io::Result<&[u8]> {
        if self.cached.as_ref().map(|(i, _)| *i) != Some(index) {
            let chunks = self.spool.len.div_ceil(CHUNK as u64);
            let plain = if index + 1 == chunks {
                (self.spool.len - index * CHUNK as u64) as usize
            } else {
                CHUNK
            };
            let mut sealed = vec![0u8; plain + TAG];
            self.file.seek(SeekFrom::Start(index * SEALED))?;
            self.file.read_exact(&mut sealed)?;
            let opened = self
                .spool
                .cipher
                .decrypt(&nonce(index), sealed.as_slice())
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "spool: damaged chunk"))?;
            self.cached = Some((index, opened));
        }
        Ok(self
            .cached
            .as_ref()
            .map(|(_, c)| c.as_slice())
            .unwrap_or(&[]))
    }
}

impl Read for SpoolReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.position >= self.spool.len || buf.is_empty() {
            return Ok(0);
        }
        let index = self.position / CHUNK as u64;
        let offset = (self.position % CHUNK as u64) as usize;
        let chunk = self.chunk(index)?;
        let n = (chunk.len() - offset).min(buf.len());
        buf[..n].copy_from_slice(&chunk[offset..offset + n]);
        self.position += n as u64;
        Ok(n)
    }
}

impl Seek for SpoolReader<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.spool.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.position.checked_add_signed(d),
        };
        self.position = target.ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "spool: seek before the start")
        })?;
        Ok(self.position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_back_what_was_written_at_any_position_and_rests_sealed() {
        let dir = std::env::temp_dir().join(format!("kitdesk-spool-{}", Uuid::new_v4()));
        let data: Vec<u8> = (0..(3 * CHUNK + 1234)).map(|i| (i % 251) as u8).collect();
        let mut writer = SpoolWriter::create(&dir).await.unwrap();
        writer.write(b"MARKER-").await.unwrap();
        writer.write(&data[7..]).await.unwrap();
        let spool = writer.finish().await.unwrap();
        assert_eq!(spool.len(), data.len() as u64);
        let on_disk = std::fs::read(&spool.removed.0).unwrap();
        assert!(!on_disk.windows(7).any(|w| w == b"MARKER-"));

        let mut reader = spool.reader().unwrap();
        let mut all = Vec::new();
        reader.read_to_end(&mut all).unwrap();
        assert_eq!(&all[..7], b"MARKER-");
        assert_eq!(&all[7..], &data[7..]);
        reader.seek(SeekFrom::End(-10)).unwrap();
        let mut tail = Vec::new();
        reader.read_to_end(&mut tail).unwrap();
        assert_eq!(tail, &data[data.len() - 10..]);
        reader.seek(SeekFrom::Start(CHUNK as u64 - 3)).unwrap();
        let mut across = [0u8; 6];
        reader.read_exact(&mut across).unwrap();
        assert_eq!(&across, &data[CHUNK - 3..CHUNK + 3]);

        let path = spool.removed.0.clone();
        drop(reader);
        drop(spool);
        assert!(!path.exists(), "the spool goes with its owner");
        let _ = std::fs::remove_dir_all(dir);
    }
}
