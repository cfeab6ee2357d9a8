package io.canarygateway.store.file;

import java.nio.file.Path;
import java.util.List;

/**
 * The directory of a {@link FileReleaseStore} cannot be used, so the gateway must not
 * start: it cannot be created or written, another running gateway holds it, or a record
 * in it cannot be read. The message names the directory and every problem.
 */
public class FileStoreStartupException extends IllegalStateException {

	/** What keeps the directory from being used. */
	public enum Kind {

		/** The directory cannot be created, opened or written. */
		INACCESSIBLE,
		/** Another running gateway (process, or context of this JVM) holds its lock. */
		IN_USE,
		/** One or more record files cannot be read. */
		UNREADABLE_RECORDS

	}

	private final Kind kind;

	private final Path directory;

	private final List<String> problems;

	FileStoreStartupException(Kind kind, Path directory, String summary, List<String> problems) {
		super(summary + (problems.isEmpty() ? "" : ":\n  - " + String.join("\n  - ", problems)));
		this.kind = kind;
		this.directory = directory;
		this.problems = List.copyOf(problems);
	}

	FileStoreStartupException(Kind kind, Path directory, String summary) {
		this(kind, directory, summary, List.of());
	}

	/** What keeps the directory from being used. */
	public Kind getKind() {
		return this.kind;
	}

	/** The store's directory, absolute. */
	public Path getDirectory() {
		return this.directory;
	}

	/**
	 * One line per unreadable record file ({@code <file>: <why>}); empty for the other
	 * kinds.
	 */
	public List<String> getProblems() {
		return this.problems;
	}

}
