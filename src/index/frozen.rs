//! An index folder opened for reading only, on a file system kbase may not write.
//!
//! tantivy takes a lock file (`.tantivy-meta.lock`) each time a reader loads the list
//! of segments, so that a writer's clean-up cannot delete a segment being opened. On a
//! read-only file system that lock file cannot be created, and without this wrapper a
//! read-only container image or replica could not even search. Nothing can change the
//! files there, so the lock protects nothing: [`Frozen`] hands out locks that hold
//! nothing and refuses every write with the file system's own error kind.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, WatchCallback, WatchHandle, WritePtr,
};

/// An [`MmapDirectory`] that never writes: used only when the data folder itself cannot
/// be written (see [`super::open_read_only`]).
#[derive(Debug, Clone)]
pub(super) struct Frozen(MmapDirectory);

impl Frozen {
    /// Opens `dir` for reading.
    pub(super) fn open(dir: &Path) -> tantivy::Result<Frozen> {
        Ok(Frozen(MmapDirectory::open(dir)?))
    }
}

fn read_only() -> io::Error {
    io::Error::new(
        io::ErrorKind::ReadOnlyFilesystem,
        "the index folder is read-only",
    )
}

fn refused(path: &Path) -> (Arc<io::Error>, PathBuf) {
    (Arc::new(read_only()), path.to_path_buf())
}

impl Directory for Frozen {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.0.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        let (io_error, filepath) = refused(path);
        Err(DeleteError::IoError { io_error, filepath })
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.0.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        let (io_error, filepath) = refused(path);
        Err(OpenWriteError::IoError { io_error, filepath })
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.0.atomic_read(path)
    }

    fn atomic_write(&self, _path: &Path, _data: &[u8]) -> io::Result<()> {
        Err(read_only())
    }

    fn sync_directory(&self) -> io::Result<()> {
        Ok(())
    }

    fn acquire_lock(&self, _lock: &Lock) -> Result<DirectoryLock, LockError> {
        // No writer can exist on a read-only file system, so there is nothing to hold.
        Ok(DirectoryLock::from(Box::new(())))
    }

    fn watch(&self, _watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        Ok(WatchHandle::empty())
    }
}
