package io.canarygateway.store.file;

import java.io.IOException;
import java.nio.file.Path;

import io.canarygateway.store.Records;

/**
 * Another gateway process, for {@link FileReleaseStoreTests}: opens a
 * {@link FileReleaseStore} on the directory given as argument, stores release
 * {@code held}, prints {@link #READY}, and holds the store until its standard input
 * closes.
 */
public final class LockHolder {

	static final String READY = "ready";

	private LockHolder() {
	}

	public static void main(String[] args) throws IOException {
		try (FileReleaseStore store = FileReleaseStore.open(Path.of(args[0]))) {
			store.compareAndSet(Records.paused("held", 1, 10), 0);
			System.out.println(READY);
			System.out.flush();
			while (System.in.read() >= 0) {
				// holds the lock until the test closes our input
			}
		}
	}

}
