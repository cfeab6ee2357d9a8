package io.canarygateway.store.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.store.ReleaseRecordCodec;
import io.canarygateway.store.ReleaseStore;
import io.canarygateway.store.ReleaseStoreUnavailableException;

/**
 * The default store of a single gateway: one JSON file per release in a directory, so
 * that a restarted gateway resumes every release where it stood.
 *
 * <h2>How</h2>
 * <ul>
 * <li><b>Files.</b> Release {@code orders} is {@code orders.json}, the record as
 * {@link ReleaseRecordCodec} writes it. {@code gateway.lock} is the lock file. Nothing
 * else in the directory is read.</li>
 * <li><b>One gateway per directory.</b> While the store is open it holds an exclusive
 * lock ({@link FileChannel#tryLock()}) on the lock file, so a second gateway started on
 * the same directory, in another process or in this JVM, fails to start instead of
 * overwriting the first one's records. The operating system releases the lock when the
 * process ends, however it ends: a crashed gateway leaves nothing to clean up.</li>
 * <li><b>Read once.</b> Every record is read when the store opens; a record that cannot
 * be read (corrupt, of another release, written by a newer gateway in a format this one
 * cannot read) fails the opening, naming the file and what is wrong, rather than being
 * reset. Afterwards the store answers from memory: holding the lock, it is the
 * directory's only writer. So {@link #find} never touches the disk and
 * {@link #unreadable} is always empty.</li>
 * <li><b>Atomic writes.</b> A compare-and-set writes the new record to a temporary file
 * in the same directory, forces it to disk, renames it over the record
 * ({@link StandardCopyOption#ATOMIC_MOVE}) and forces the directory (where the platform
 * allows opening one). A crash at any point leaves either the previous record or the new
 * one, never a mix; a temporary file left by a crash is deleted at the next opening. A
 * write that fails (disk full, read-only, directory gone) throws
 * {@link ReleaseStoreUnavailableException} naming the file and the cause; the temporary
 * file is removed and the stored record is the previous one, on disk and in memory. Such
 * failures are logged once when they begin (WARNING) and once when a write works again
 * (INFO).</li>
 * <li><b>Notification.</b> Subscribers are told of every record this store writes (the
 * only writer), after it is on disk.</li>
 * </ul>
 * Thread-safe: writes are serialized; reads are lock-free. Calls block on disk writes
 * (milliseconds): make them off Reactor's non-blocking threads.
 */
public class FileReleaseStore implements ReleaseStore, AutoCloseable {

	/** The lock file a running store holds, in its directory. */
	public static final String LOCK_FILE = "gateway.lock";

	/** The suffix of a record file: {@code <release>.json}. */
	public static final String RECORD_SUFFIX = ".json";

	/** The suffix of a temporary file being written: {@code .<release>.json.tmp}. */
	static final String TEMPORARY_SUFFIX = RECORD_SUFFIX + ".tmp";

	/** The release names ReleaseConfig allows: safe as file names on every platform. */
	private static final Pattern RELEASE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

	private static final System.Logger LOG = System.getLogger(FileReleaseStore.class.getName());

	private final Path directory;

	private final System.Logger log;

	private final FileChannel lockChannel;

	private final FileLock lock;

	private final ReleaseRecordCodec codec = new ReleaseRecordCodec();

	private final ConcurrentMap<String, ReleaseStatus> records;

	private final CopyOnWriteArrayList<Consumer<ReleaseStatus>> listeners = new CopyOnWriteArrayList<>();

	/** Serializes writes, and closing against them. */
	private final Object writes = new Object();

	/** Whether the platform lets a directory be opened to force it (not Windows). */
	private boolean directorySyncable = true;

	/**
	 * Why the last write failed, while writes fail: logged when they start failing and
	 * when they work again, not at every refused change.
	 */
	private String writeFailure;

	private boolean closed;

	private FileReleaseStore(Path directory, System.Logger log, FileChannel lockChannel, FileLock lock,
			ConcurrentMap<String, ReleaseStatus> records) {
		this.directory = directory;
		this.log = log;
		this.lockChannel = lockChannel;
		this.lock = lock;
		this.records = records;
	}

	/**
	 * Opens the store on {@code directory} (relative: to the working directory), creating
	 * it if missing: takes its lock, deletes temporary files a crash left, and reads
	 * every record.
	 * @throws FileStoreStartupException if the directory cannot be created or written, if
	 * another running gateway holds it, or if a record in it cannot be read
	 */
	public static FileReleaseStore open(Path directory) {
		return open(directory, LOG);
	}

	static FileReleaseStore open(Path directory, System.Logger log) {
		Path dir = directory.toAbsolutePath().normalize();
		createDirectory(dir);
		FileChannel channel;
		try {
			channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
		}
		catch (IOException ex) {
			throw inaccessible(dir, "cannot open its lock file " + LOCK_FILE + ": " + describe(ex));
		}
		try {
			FileLock lock = lock(dir, channel);
			writeOwner(channel);
			deleteTemporaryFiles(dir, log);
			ConcurrentMap<String, ReleaseStatus> records = new ConcurrentHashMap<>(readRecords(dir));
			log.log(System.Logger.Level.INFO, "Release records are kept in {0} ({1} read)", dir, records.size());
			return new FileReleaseStore(dir, log, channel, lock, records);
		}
		catch (IOException ex) {
			// closing the channel releases the lock
			closeQuietly(channel);
			throw inaccessible(dir, describe(ex));
		}
		catch (RuntimeException ex) {
			closeQuietly(channel);
			throw ex;
		}
	}

	private static void createDirectory(Path dir) {
		try {
			Files.createDirectories(dir);
		}
		catch (FileAlreadyExistsException ex) {
			throw inaccessible(dir, "it exists and is not a directory");
		}
		catch (IOException ex) {
			throw inaccessible(dir, "cannot create it: " + describe(ex));
		}
		if (!Files.isWritable(dir)) {
			throw inaccessible(dir, "it cannot be written (permissions, or a read-only file system)");
		}
	}

	private static FileLock lock(Path dir, FileChannel channel) throws IOException {
		FileLock lock;
		try {
			lock = channel.tryLock();
		}
		catch (OverlappingFileLockException ex) {
			throw new FileStoreStartupException(FileStoreStartupException.Kind.IN_USE, dir,
					"The release store directory " + dir + " is in use by another running gateway in this JVM (it "
							+ "holds the lock file " + LOCK_FILE + "); a directory serves one gateway at a time");
		}
		if (lock == null) {
			throw new FileStoreStartupException(FileStoreStartupException.Kind.IN_USE, dir,
					"The release store directory " + dir + " is in use by another running gateway ("
							+ owner(dir.resolve(LOCK_FILE)) + " holds the lock file " + LOCK_FILE
							+ "); a directory serves one gateway at a time");
		}
		return lock;
	}

	/**
	 * Writes this process's id into the lock file, for the message of a second gateway.
	 */
	private static void writeOwner(FileChannel channel) throws IOException {
		channel.truncate(0);
		channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
	}

	/** Who holds a lock file, as far as its content says. */
	private static String owner(Path lockFile) {
		try {
			String pid = Files.readString(lockFile, StandardCharsets.US_ASCII).trim();
			if (pid.matches("[0-9]{1,19}")) {
				return "process " + pid;
			}
		}
		catch (IOException ex) {
			// a platform whose locks keep others from reading the file
		}
		return "another process";
	}

	/** Deletes the temporary files of writes a crash interrupted. */
	private static void deleteTemporaryFiles(Path dir, System.Logger log) throws IOException {
		try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, ".*" + TEMPORARY_SUFFIX)) {
			for (Path file : files) {
				Files.deleteIfExists(file);
				log.log(System.Logger.Level.INFO, "Deleted {0}, left by a write that did not finish; the record is "
						+ "the one written before it", file);
			}
		}
	}

	/**
	 * Every record of the directory, by release.
	 * @throws FileStoreStartupException if any cannot be read, naming each
	 */
	private static Map<String, ReleaseStatus> readRecords(Path dir) throws IOException {
		ReleaseRecordCodec codec = new ReleaseRecordCodec();
		TreeMap<String, ReleaseStatus> records = new TreeMap<>();
		TreeMap<String, String> problems = new TreeMap<>();
		try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + RECORD_SUFFIX)) {
			for (Path file : files) {
				String name = file.getFileName().toString();
				String release = name.substring(0, name.length() - RECORD_SUFFIX.length());
				if (!Files.isRegularFile(file) || !RELEASE_NAME.matcher(release).matches()) {
					// not a record this store writes: a sub-directory, a hidden file
					continue;
				}
				try {
					ReleaseStatus status = codec.read(Files.readString(file, StandardCharsets.UTF_8));
					if (!status.release().equals(release)) {
						problems.put(name, "it holds a record of release '" + status.release()
								+ "' (the record of a release is <release>" + RECORD_SUFFIX + ")");
					}
					else {
						records.put(release, status);
					}
				}
				catch (IllegalArgumentException ex) {
					// corrupt, or written by a newer gateway (the message says which)
					problems.put(name, ex.getMessage());
				}
				catch (CharacterCodingException ex) {
					problems.put(name, "not a release record: not UTF-8 text");
				}
				catch (IOException ex) {
					problems.put(name, "cannot be read: " + describe(ex));
				}
			}
		}
		if (!problems.isEmpty()) {
			List<String> lines = new ArrayList<>();
			problems.forEach((name, problem) -> lines.add(dir.resolve(name) + ": " + problem));
			throw new FileStoreStartupException(FileStoreStartupException.Kind.UNREADABLE_RECORDS, dir,
					"The release store directory " + dir + " holds " + lines.size() + " record"
							+ ((lines.size() == 1) ? "" : "s") + " that cannot be read",
					lines);
		}
		return records;
	}

	/** The directory of the records, absolute. */
	public Path directory() {
		return this.directory;
	}

	@Override
	public Optional<ReleaseStatus> find(String release) {
		return Optional.ofNullable(this.records.get(release));
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * The new record is stored once its file is in place.
	 * @throws ReleaseStoreUnavailableException if the file cannot be written (the record
	 * was not stored) or the store is closed
	 * @throws IllegalArgumentException if the release name is not one a release may have
	 */
	@Override
	public Swap compareAndSet(ReleaseStatus next, long expectedRevision) {
		String release = next.release();
		if (!RELEASE_NAME.matcher(release).matches()) {
			throw new IllegalArgumentException(
					"release name must be letters, digits, '.', '_' or '-', was '" + release + "'");
		}
		synchronized (this.writes) {
			ReleaseStatus stored = this.records.get(release);
			long revision = (stored != null) ? stored.revision() : 0;
			if (revision != expectedRevision) {
				return new Swap(false, stored);
			}
			if (this.closed) {
				throw new ReleaseStoreUnavailableException(
						"the release store in " + this.directory + " is closed (the gateway is stopping)");
			}
			writeReporting(release, this.codec.write(next));
			this.records.put(release, next);
		}
		for (Consumer<ReleaseStatus> listener : this.listeners) {
			try {
				listener.accept(next);
			}
			catch (RuntimeException ex) {
				this.log.log(System.Logger.Level.WARNING,
						"Release store listener " + listener + " failed for release '" + release + "'", ex);
			}
		}
		return new Swap(true, next);
	}

	/**
	 * Writes a record; a failure is logged once when writes start failing (a full disk or
	 * a read-only file system refuses every change until it is fixed), and the first
	 * write that works again says so.
	 */
	private void writeReporting(String release, String json) {
		try {
			write(release, json);
		}
		catch (ReleaseStoreUnavailableException ex) {
			if (this.writeFailure == null) {
				this.log.log(System.Logger.Level.WARNING,
						"Release records cannot be written: {0}. Until a write works again, changes to releases are "
								+ "refused (actions answer 503, automatic steps and rollbacks wait; routing goes on "
								+ "with the state the gateway has)",
						ex.getMessage());
			}
			this.writeFailure = ex.getMessage();
			throw ex;
		}
		if (this.writeFailure != null) {
			this.log.log(System.Logger.Level.INFO,
					"Release records can be written in {0} again (the last failure: {1})", this.directory,
					this.writeFailure);
			this.writeFailure = null;
		}
	}

	/** Replaces a record file atomically, or leaves it as it was. */
	private void write(String release, String json) {
		Path file = this.directory.resolve(release + RECORD_SUFFIX);
		Path temporary = temporaryFile(this.directory, release);
		try {
			try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
					StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
				ByteBuffer bytes = ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8));
				while (bytes.hasRemaining()) {
					channel.write(bytes);
				}
				channel.force(true);
			}
			Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		}
		catch (IOException ex) {
			try {
				Files.deleteIfExists(temporary);
			}
			catch (IOException cleanup) {
				ex.addSuppressed(cleanup);
			}
			throw new ReleaseStoreUnavailableException("could not write release '" + release + "' to " + file + " ("
					+ describe(ex) + "); its stored record is unchanged", ex);
		}
		syncDirectory();
	}

	/** Where a release's record is written before it replaces the record. */
	static Path temporaryFile(Path directory, String release) {
		return directory.resolve("." + release + TEMPORARY_SUFFIX);
	}

	/** Makes the rename durable, where the platform lets a directory be forced. */
	private void syncDirectory() {
		if (!this.directorySyncable) {
			return;
		}
		FileChannel channel;
		try {
			channel = FileChannel.open(this.directory, StandardOpenOption.READ);
		}
		catch (IOException ex) {
			// e.g. Windows, which cannot open a directory (and makes the rename durable
			// itself)
			this.directorySyncable = false;
			return;
		}
		try (channel) {
			channel.force(true);
		}
		catch (IOException ex) {
			// the record is in place; only how soon it is durable is in doubt
			this.log.log(System.Logger.Level.WARNING, "Could not force the directory " + this.directory
					+ " to disk after writing a release record (" + describe(ex) + ")");
		}
	}

	@Override
	public AutoCloseable subscribe(Consumer<ReleaseStatus> listener) {
		this.listeners.add(listener);
		return () -> this.listeners.remove(listener);
	}

	/**
	 * Releases the directory: writes are refused from now on, and another gateway may
	 * open it.
	 */
	@Override
	public void close() {
		synchronized (this.writes) {
			if (this.closed) {
				return;
			}
			this.closed = true;
			try {
				this.lock.release();
			}
			catch (IOException ex) {
				// closing the channel releases it too
			}
			closeQuietly(this.lockChannel);
		}
	}

	private static void closeQuietly(FileChannel channel) {
		try {
			channel.close();
		}
		catch (IOException ex) {
			// nothing left to do with it
		}
	}

	private static FileStoreStartupException inaccessible(Path dir, String problem) {
		return new FileStoreStartupException(FileStoreStartupException.Kind.INACCESSIBLE, dir,
				"The release store directory " + dir + " cannot be used: " + problem);
	}

	/** An I/O failure in words: the reason, and the file when it is not obvious. */
	static String describe(IOException ex) {
		if (ex instanceof NoSuchFileException) {
			return "no such file or directory: " + ((NoSuchFileException) ex).getFile();
		}
		if (ex instanceof AccessDeniedException) {
			return "permission denied: " + ((AccessDeniedException) ex).getFile();
		}
		if (ex instanceof FileSystemException fs && fs.getReason() != null) {
			return fs.getReason() + ": " + fs.getFile();
		}
		return (ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName();
	}

}
