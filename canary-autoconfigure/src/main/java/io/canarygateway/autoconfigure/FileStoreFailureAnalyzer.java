package io.canarygateway.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import io.canarygateway.store.file.FileStoreStartupException;

/**
 * Explains a startup failure caused by the directory of the file store
 * ({@code canary.store.file.path}): what is wrong with it, and what to do.
 */
class FileStoreFailureAnalyzer extends AbstractFailureAnalyzer<FileStoreStartupException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, FileStoreStartupException cause) {
		String action = switch (cause.getKind()) {
			case INACCESSIBLE -> "Make " + cause.getDirectory() + " a directory this gateway can create and write, "
					+ "or point canary.store.file.path to one (see docs/operations.md, The file store).";
			case IN_USE -> "Stop the other gateway, or give this one a directory of its own with "
					+ "canary.store.file.path. Several gateways that run the same releases together need a shared "
					+ "store: canary.store.type: redis (see docs/redis.md).";
			case UNREADABLE_RECORDS -> "Repair each file listed above, or move it out of " + cause.getDirectory()
					+ " (canary.store.file.path; the release then starts afresh as configured). A record written by "
					+ "a newer gateway needs that gateway's version. Nothing was changed: a gateway never overwrites "
					+ "a record it cannot read (see docs/operations.md, The file store).";
		};
		return new FailureAnalysis(cause.getMessage(), action, cause);
	}

}
