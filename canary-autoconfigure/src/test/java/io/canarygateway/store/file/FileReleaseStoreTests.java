package io.canarygateway.store.file;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.store.Records;
import io.canarygateway.store.ReleaseRecordCodec;
import io.canarygateway.store.ReleaseStore;
import io.canarygateway.store.ReleaseStoreUnavailableException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link FileReleaseStore} on real directories: the compare-and-set of the SPI, records
 * kept across a reopening, atomic writes (a failed write leaves the previous record and
 * no temporary file; a write a crash interrupted is cleaned up), the lock that keeps a
 * second store out (in this JVM and in another process), and the startup failures for a
 * directory that cannot be used or holds a record that cannot be read.
 */
class FileReleaseStoreTests {

	private static final ReleaseRecordCodec CODEC = new ReleaseRecordCodec();

	@TempDir
	Path temp;

	private final List<FileReleaseStore> opened = new ArrayList<>();

	@AfterEach
	void close() {
		this.opened.forEach(FileReleaseStore::close);
	}

	private FileReleaseStore open(Path directory) {
		FileReleaseStore store = FileReleaseStore.open(directory);
		this.opened.add(store);
		return store;
	}

	@Test
	void createsAMissingDirectoryAndKeepsRecordsAcrossAReopening() throws IOException {
		Path directory = this.temp.resolve("a/b/canary-state");
		FileReleaseStore store = open(directory);
		assertThat(directory).isDirectory();
		assertThat(store.directory()).isEqualTo(directory.toAbsolutePath());
		assertThat(store.find("orders")).isEmpty();

		ReleaseStatus orders = Records.paused("orders", 1, 10);
		ReleaseStatus payments = Records.paused("payments", 1, 50);
		assertThat(store.compareAndSet(orders, 0).swapped()).isTrue();
		assertThat(store.compareAndSet(payments, 0).swapped()).isTrue();
		ReleaseStatus orders2 = Records.paused("orders", 2, 25);
		assertThat(store.compareAndSet(orders2, 1).swapped()).isTrue();
		assertThat(CODEC.read(Files.readString(directory.resolve("orders.json")))).isEqualTo(orders2);
		assertThat(fileNames(directory)).containsExactlyInAnyOrder("orders.json", "payments.json",
				FileReleaseStore.LOCK_FILE);
		store.close();

		FileReleaseStore reopened = open(directory);
		assertThat(reopened.find("orders")).contains(orders2);
		assertThat(reopened.find("payments")).contains(payments);
		assertThat(reopened.compareAndSet(Records.paused("orders", 3, 50), 2).swapped()).isTrue();
	}

	@Test
	void aRelativePathIsResolvedAgainstTheWorkingDirectory() {
		Path relative = Path.of("target", "file-store-tests-" + ProcessHandle.current().pid());
		FileReleaseStore store = open(relative);
		assertThat(store.directory()).isEqualTo(Path.of(System.getProperty("user.dir")).resolve(relative));
		store.close();
		deleteRecursively(relative.toAbsolutePath());
	}

	@Test
	void compareAndSetSwapsOnlyOnTheStoredRevision() {
		FileReleaseStore store = open(this.temp);
		ReleaseStatus first = Records.paused("orders", 1, 10);
		ReleaseStatus second = Records.paused("orders", 2, 25);

		// expecting a record where there is none
		ReleaseStore.Swap none = store.compareAndSet(Records.paused("orders", 4, 10), 3);
		assertThat(none.swapped()).isFalse();
		assertThat(none.current()).isNull();
		assertThat(this.temp.resolve("orders.json")).doesNotExist();

		assertThat(store.compareAndSet(first, 0)).isEqualTo(new ReleaseStore.Swap(true, first));
		assertThat(store.compareAndSet(second, 1)).isEqualTo(new ReleaseStore.Swap(true, second));
		for (long wrong : new long[] { 0, 1, 3, 42 }) {
			ReleaseStore.Swap swap = store.compareAndSet(Records.paused("orders", wrong + 1, 50), wrong);
			assertThat(swap.swapped()).as("expected revision %d", wrong).isFalse();
			assertThat(swap.current()).isSameAs(second);
		}
		assertThat(store.find("orders")).containsSame(second);
		assertThat(store.unreadable("orders")).isEmpty();
	}

	@Test
	void subscribersGetEveryStoredRecordAndNoRefusedOne() throws Exception {
		FileReleaseStore store = open(this.temp);
		List<ReleaseStatus> first = new CopyOnWriteArrayList<>();
		List<ReleaseStatus> second = new CopyOnWriteArrayList<>();
		AutoCloseable firstSubscription = store.subscribe(first::add);
		store.subscribe(second::add);
		store.subscribe((status) -> {
			throw new IllegalStateException("a listener that throws does not stop the others");
		});

		List<ReleaseStatus> stored = new ArrayList<>();
		for (int revision = 1; revision <= 10; revision++) {
			ReleaseStatus next = Records.paused("orders", revision, revision);
			assertThat(store.compareAndSet(next, revision - 1).swapped()).isTrue();
			stored.add(next);
			assertThat(store.compareAndSet(Records.paused("orders", revision + 7, 1), revision + 5).swapped())
				.isFalse();
		}
		assertThat(first).containsExactlyElementsOf(stored);
		assertThat(second).containsExactlyElementsOf(stored);

		firstSubscription.close();
		ReleaseStatus after = Records.paused("orders", 11, 50);
		store.compareAndSet(after, 10);
		assertThat(first).doesNotContain(after);
		assertThat(second).endsWith(after);
	}

	@Test
	void exactlyOneOfConcurrentWritersOfTheSameRevisionWins() throws Exception {
		FileReleaseStore store = open(this.temp);
		store.compareAndSet(Records.paused("orders", 1, 0), 0);
		int writers = 4;
		ExecutorService pool = Executors.newFixedThreadPool(writers);
		try {
			for (int round = 1; round <= 25; round++) {
				long expected = round;
				CountDownLatch go = new CountDownLatch(1);
				List<Future<ReleaseStore.Swap>> swaps = new ArrayList<>();
				List<ReleaseStatus> candidates = new ArrayList<>();
				for (int w = 0; w < writers; w++) {
					ReleaseStatus candidate = Records.paused("orders", expected + 1, w);
					candidates.add(candidate);
					swaps.add(pool.submit(() -> {
						go.await();
						return store.compareAndSet(candidate, expected);
					}));
				}
				go.countDown();
				int won = 0;
				for (Future<ReleaseStore.Swap> future : swaps) {
					ReleaseStore.Swap swap = future.get(60, TimeUnit.SECONDS);
					won += swap.swapped() ? 1 : 0;
					assertThat(swap.current()).isSameAs(store.find("orders").orElseThrow());
				}
				ReleaseStatus winner = store.find("orders").orElseThrow();
				assertThat(won).as("round %d", round).isEqualTo(1);
				assertThat(winner.revision()).isEqualTo(expected + 1);
				assertThat(candidates).contains(winner);
				assertThat(CODEC.read(Files.readString(this.temp.resolve("orders.json")))).isEqualTo(winner);
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void aWriteThatFailsLeavesThePreviousRecordAndNoTemporaryFile() throws IOException {
		Path full = Path.of("/dev/full");
		assumeTrue(Files.isWritable(full), "no /dev/full on this platform to make a write fail for want of space");
		RecordingLogger log = new RecordingLogger();
		FileReleaseStore store = FileReleaseStore.open(this.temp, log);
		this.opened.add(store);
		ReleaseStatus first = Records.paused("orders", 1, 10);
		store.compareAndSet(first, 0);
		String onDisk = Files.readString(this.temp.resolve("orders.json"));
		List<ReleaseStatus> notified = new CopyOnWriteArrayList<>();
		store.subscribe(notified::add);
		// the disk fills up: the temporary file's bytes go to /dev/full, whose writes
		// fail
		// with ENOSPC
		Path temporary = FileReleaseStore.temporaryFile(this.temp, "orders");
		Files.createSymbolicLink(temporary, full);

		assertThatExceptionOfType(ReleaseStoreUnavailableException.class)
			.isThrownBy(() -> store.compareAndSet(Records.paused("orders", 2, 25), 1))
			.withMessageContaining("could not write release 'orders' to " + this.temp.resolve("orders.json"))
			.withMessageContaining("No space left on device")
			.withMessageContaining("its stored record is unchanged");

		assertThat(store.find("orders")).containsSame(first);
		assertThat(Files.readString(this.temp.resolve("orders.json"))).isEqualTo(onDisk);
		assertThat(temporary).as("the temporary file is removed").doesNotExist();
		assertThat(Files.exists(full)).isTrue();
		assertThat(notified).isEmpty();

		// the disk stays full: every change is refused, the problem is logged once
		Files.createSymbolicLink(temporary, full);
		assertThatExceptionOfType(ReleaseStoreUnavailableException.class)
			.isThrownBy(() -> store.compareAndSet(Records.paused("orders", 2, 40), 1));
		assertThat(log.lines(System.Logger.Level.WARNING)).singleElement()
			.asString()
			.startsWith("Release records cannot be written: could not write release 'orders' to "
					+ this.temp.resolve("orders.json") + " (No space left on device)")
			.contains("actions answer 503");
		assertThat(log.lines(System.Logger.Level.INFO)).noneMatch((line) -> line.contains("again"));

		// space again (the failed write removed its temporary file, our link to
		// /dev/full): the change is made, and the log says so
		assertThat(temporary).doesNotExist();
		ReleaseStatus second = Records.paused("orders", 2, 25);
		assertThat(store.compareAndSet(second, 1).swapped()).isTrue();
		assertThat(notified).containsExactly(second);
		assertThat(log.lines(System.Logger.Level.INFO)).last()
			.asString()
			.startsWith("Release records can be written in " + this.temp + " again (the last failure: ");
		store.close();
		assertThat(open(this.temp).find("orders")).contains(second);
	}

	@Test
	void aWriteIntoADirectoryThatWasRemovedFailsNamingIt() throws IOException {
		Path directory = this.temp.resolve("state");
		FileReleaseStore store = open(directory);
		store.compareAndSet(Records.paused("orders", 1, 10), 0);
		Files.move(directory, this.temp.resolve("moved-away"));

		assertThatExceptionOfType(ReleaseStoreUnavailableException.class)
			.isThrownBy(() -> store.compareAndSet(Records.paused("orders", 2, 25), 1))
			.withMessageContaining(directory.resolve("orders.json").toString())
			.withMessageContaining("no such file or directory");
		assertThat(store.find("orders").orElseThrow().revision()).isEqualTo(1);
		assertThat(directory).doesNotExist();
	}

	@Test
	void aWriteToAReadOnlyDirectoryFails() throws IOException {
		Path directory = this.temp.resolve("state");
		FileReleaseStore store = open(directory);
		ReleaseStatus first = Records.paused("orders", 1, 10);
		store.compareAndSet(first, 0);
		Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("r-xr-xr-x"));
		try {
			assumeTrue(!Files.isWritable(directory),
					"running as root: file permissions do not stop root's writes, so a read-only directory cannot be "
							+ "simulated here (the failed write itself is covered by the /dev/full and removed "
							+ "directory cases)");
			assertThatExceptionOfType(ReleaseStoreUnavailableException.class)
				.isThrownBy(() -> store.compareAndSet(Records.paused("orders", 2, 25), 1))
				.withMessageContaining(directory.resolve("orders.json").toString())
				.withMessageContaining("permission denied");
			assertThat(store.find("orders")).containsSame(first);
			assertThat(fileNames(directory)).containsExactlyInAnyOrder("orders.json", FileReleaseStore.LOCK_FILE);
			store.close();
			assertThatExceptionOfType(FileStoreStartupException.class).isThrownBy(() -> open(directory))
				.withMessageContaining("cannot be written");
		}
		finally {
			Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
		}
	}

	@Test
	void aWriteACrashInterruptedLeavesThePreviousRecordAndIsCleanedUp() throws IOException {
		FileReleaseStore store = open(this.temp);
		ReleaseStatus first = Records.paused("orders", 1, 10);
		store.compareAndSet(first, 0);
		store.close();
		// the gateway died while writing revision 2: half a record in the temporary file
		String second = CODEC.write(Records.paused("orders", 2, 25));
		Files.writeString(FileReleaseStore.temporaryFile(this.temp, "orders"), second.substring(0, 40));

		FileReleaseStore reopened = open(this.temp);
		assertThat(reopened.find("orders")).contains(first);
		assertThat(fileNames(this.temp)).containsExactlyInAnyOrder("orders.json", FileReleaseStore.LOCK_FILE);
	}

	@Test
	void aClosedStoreRefusesWrites() {
		FileReleaseStore store = open(this.temp);
		store.compareAndSet(Records.paused("orders", 1, 10), 0);
		store.close();
		store.close();
		assertThatExceptionOfType(ReleaseStoreUnavailableException.class)
			.isThrownBy(() -> store.compareAndSet(Records.paused("orders", 2, 25), 1))
			.withMessageContaining("is closed");
		assertThat(store.find("orders").orElseThrow().revision()).isEqualTo(1);
	}

	@Test
	void aReleaseNameThatIsNotAFileNameIsRefused() {
		FileReleaseStore store = open(this.temp);
		for (String name : new String[] { "../escape", ".hidden", "a/b", "" }) {
			assertThatIllegalArgumentException().isThrownBy(() -> store.compareAndSet(Records.paused(name, 1, 10), 0))
				.withMessageContaining("'" + name + "'");
		}
		assertThat(fileNames(this.temp)).containsExactly(FileReleaseStore.LOCK_FILE);
		assertThat(this.temp.resolveSibling("escape.json")).doesNotExist();
	}

	@Test
	void aSecondStoreOnTheSameDirectoryInThisJvmFailsUntilTheFirstCloses() throws IOException {
		FileReleaseStore first = open(this.temp);
		first.compareAndSet(Records.paused("orders", 1, 10), 0);

		assertThatExceptionOfType(FileStoreStartupException.class).isThrownBy(() -> open(this.temp)).satisfies((ex) -> {
			assertThat(ex.getKind()).isEqualTo(FileStoreStartupException.Kind.IN_USE);
			assertThat(ex.getDirectory()).isEqualTo(this.temp.toAbsolutePath());
		})
			.withMessageContaining(this.temp.toAbsolutePath() + " is in use by another running gateway in this JVM")
			.withMessageContaining(FileReleaseStore.LOCK_FILE);
		// the same directory by another name is the same lock
		Path link = Files.createSymbolicLink(this.temp.resolveSibling(this.temp.getFileName() + "-link"), this.temp);
		try {
			assertThatExceptionOfType(FileStoreStartupException.class).isThrownBy(() -> open(link))
				.withMessageContaining("in use");
		}
		finally {
			Files.delete(link);
		}

		first.close();
		assertThat(open(this.temp).find("orders")).isPresent();
	}

	@Test
	void aStoreOnADirectoryAnotherProcessHoldsFailsNamingTheProcess() throws Exception {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		Process holder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
				LockHolder.class.getName(), this.temp.toString())
			.redirectErrorStream(true)
			.start();
		try (BufferedReader out = new BufferedReader(
				new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
			// its log lines come first
			List<String> lines = new ArrayList<>();
			String line;
			while ((line = out.readLine()) != null && !line.equals(LockHolder.READY)) {
				lines.add(line);
			}
			assertThat(line).as("the other process opened the store; it said %s", lines).isEqualTo(LockHolder.READY);

			assertThatExceptionOfType(FileStoreStartupException.class).isThrownBy(() -> open(this.temp))
				.satisfies((ex) -> assertThat(ex.getKind()).isEqualTo(FileStoreStartupException.Kind.IN_USE))
				.withMessageContaining(this.temp.toAbsolutePath() + " is in use by another running gateway (process "
						+ holder.pid() + " holds the lock file " + FileReleaseStore.LOCK_FILE + ")");
		}
		finally {
			holder.getOutputStream().close();
			assertThat(holder.waitFor(60, TimeUnit.SECONDS)).isTrue();
		}
		// the other process ended: its lock went with it, and its record stayed
		assertThat(open(this.temp).find("held")).isPresent();
	}

	@Test
	void aPathThatCannotBeADirectoryFailsNamingIt() throws IOException {
		Path file = Files.writeString(this.temp.resolve("a-file"), "not a directory");
		assertThatExceptionOfType(FileStoreStartupException.class).isThrownBy(() -> open(file))
			.satisfies((ex) -> assertThat(ex.getKind()).isEqualTo(FileStoreStartupException.Kind.INACCESSIBLE))
			.withMessage("The release store directory " + file + " cannot be used: it exists and is not a directory");

		Path below = file.resolve("canary-state");
		assertThatExceptionOfType(FileStoreStartupException.class).isThrownBy(() -> open(below))
			.satisfies((ex) -> assertThat(ex.getKind()).isEqualTo(FileStoreStartupException.Kind.INACCESSIBLE))
			.withMessageStartingWith("The release store directory " + below + " cannot be used: cannot create it: ");
	}

	@Test
	void recordsThatCannotBeReadFailTheOpeningNamingEachFile() throws IOException {
		FileReleaseStore store = open(this.temp);
		store.compareAndSet(Records.paused("orders", 1, 10), 0);
		store.close();
		Files.writeString(this.temp.resolve("corrupt.json"), "{\"format\":2, \"release\": \"corr");
		Files.writeString(this.temp.resolve("empty.json"), "");
		Files.writeString(this.temp.resolve("newer.json"),
				CODEC.write(Records.paused("newer", 1, 10)).replace("\"format\":2", "\"format\":99"));
		Files.writeString(this.temp.resolve("badstate.json"),
				CODEC.write(Records.paused("badstate", 1, 10)).replace("\"PAUSED\"", "\"SLEEPING\""));
		Files.writeString(this.temp.resolve("copy.json"), CODEC.write(Records.paused("orders", 1, 10)));
		Files.write(this.temp.resolve("binary.json"), new byte[] { (byte) 0xC3, (byte) 0x28, '{' });
		// not records: left alone
		Files.writeString(this.temp.resolve("orders.json.bak"), "old");
		Files.writeString(this.temp.resolve("notes.txt"), "hello");
		Files.createDirectories(this.temp.resolve("archive.json"));

		assertThatExceptionOfType(FileStoreStartupException.class).isThrownBy(() -> open(this.temp)).satisfies((ex) -> {
			assertThat(ex.getKind()).isEqualTo(FileStoreStartupException.Kind.UNREADABLE_RECORDS);
			assertThat(ex.getProblems()).hasSize(6);
			assertThat(ex.getProblems()).anySatisfy((problem) -> assertThat(problem)
				.startsWith(this.temp.resolve("badstate.json") + ": not a release record: ")
				.contains("SLEEPING"));
			assertThat(ex.getProblems()).anySatisfy((problem) -> assertThat(problem)
				.startsWith(this.temp.resolve("binary.json") + ": not a release record"));
			assertThat(ex.getProblems()).contains(this.temp.resolve("copy.json")
					+ ": it holds a record of release 'orders' (the record of a release is <release>.json)");
			assertThat(ex.getProblems()).anySatisfy((problem) -> assertThat(problem)
				.startsWith(this.temp.resolve("corrupt.json") + ": not a release record: "));
			assertThat(ex.getProblems()).anySatisfy((problem) -> assertThat(problem)
				.startsWith(this.temp.resolve("empty.json") + ": not a release record"));
			assertThat(ex.getProblems()).contains(this.temp.resolve("newer.json")
					+ ": record format 99 was written by a newer gateway; this one reads formats up to "
					+ ReleaseRecordCodec.FORMAT + " — upgrade this gateway to the version that wrote it");
		})
			.withMessageStartingWith("The release store directory " + this.temp + " holds 6 records that cannot be "
					+ "read:\n  - " + this.temp.resolve("badstate.json"));
		assertThat(Files.readString(this.temp.resolve("corrupt.json"))).as("nothing is repaired or reset")
			.isEqualTo("{\"format\":2, \"release\": \"corr");

		// the failed opening released the lock: once the files are moved away it opens
		try (Stream<Path> files = Files.list(this.temp)) {
			for (Path file : files.toList()) {
				String name = file.getFileName().toString();
				if (name.endsWith(".json") && !name.equals("orders.json") && Files.isRegularFile(file)) {
					Files.delete(file);
				}
			}
		}
		assertThat(open(this.temp).find("orders").orElseThrow().state()).isEqualTo(ReleaseState.PAUSED);
	}

	private static List<String> fileNames(Path directory) {
		try (Stream<Path> files = Files.list(directory)) {
			return files.map((file) -> file.getFileName().toString()).toList();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void deleteRecursively(Path directory) {
		try (Stream<Path> files = Files.walk(directory)) {
			for (Path file : files.sorted((a, b) -> b.compareTo(a)).toList()) {
				Files.delete(file);
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** A {@link System.Logger} that keeps its lines. */
	static final class RecordingLogger implements System.Logger {

		private final List<Map.Entry<Level, String>> lines = new CopyOnWriteArrayList<>();

		List<String> lines(Level level) {
			return this.lines.stream().filter((line) -> line.getKey() == level).map(Map.Entry::getValue).toList();
		}

		@Override
		public String getName() {
			return "recording";
		}

		@Override
		public boolean isLoggable(Level level) {
			return true;
		}

		@Override
		public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
			this.lines.add(Map.entry(level, message));
		}

		@Override
		public void log(Level level, ResourceBundle bundle, String format, Object... params) {
			this.lines.add(Map.entry(level, MessageFormat.format(format, params)));
		}

	}

}
