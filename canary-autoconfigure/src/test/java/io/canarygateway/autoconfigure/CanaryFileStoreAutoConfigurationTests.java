package io.canarygateway.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.store.InMemoryReleaseStore;
import io.canarygateway.store.ReleaseRecordCodec;
import io.canarygateway.store.ReleaseStore;
import io.canarygateway.store.file.FileReleaseStore;
import io.canarygateway.store.file.FileStoreStartupException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The wiring of the default store, {@code canary.store.type: file}: on without any
 * setting, on the directory of {@code canary.store.file.path}, closed with the context,
 * off for {@code memory} and for an application's own store, and a directory that cannot
 * be used fails startup with a report that names it and says what to do.
 * <p>
 * The test JVM runs with {@code canary.store.type=memory} (see the pom): the tests of the
 * default remove that system property for their run.
 */
class CanaryFileStoreAutoConfigurationTests {

	@TempDir
	Path temp;

	private ReactiveWebApplicationContextRunner runner() {
		return CanaryContexts.runner()
			.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues("canary.store.file.path=" + this.temp);
	}

	/** A runner that sees no canary.store.type at all, as an application would. */
	private ReactiveWebApplicationContextRunner defaultRunner() {
		return runner().withSystemProperties("canary.store.type");
	}

	@Test
	void theFileStoreIsTheDefaultAndKeepsTheReleaseInItsDirectory() throws IOException {
		defaultRunner().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(ReleaseStore.class)).isInstanceOf(FileReleaseStore.class);
			assertThat(context.getBean(FileReleaseStore.class).directory()).isEqualTo(this.temp);
			assertThat(this.temp.resolve(FileReleaseStore.LOCK_FILE)).exists();
		});
		// auto-start: the release was stored as it started
		ReleaseStatus stored = new ReleaseRecordCodec().read(Files.readString(this.temp.resolve("orders.json")));
		assertThat(stored.state()).isEqualTo(ReleaseState.PROGRESSING);

		// the context closed the store: another one opens the directory and adopts the
		// record
		defaultRunner().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(ReleaseController.class).release("orders").status()).isEqualTo(stored);
		});
	}

	@Test
	void storeTypeFileSaysTheSame() {
		runner().withPropertyValues("canary.store.type=file")
			.run((context) -> assertThat(context.getBean(ReleaseStore.class)).isInstanceOf(FileReleaseStore.class));
	}

	@Test
	void storeTypeMemoryKeepsNoFile() {
		defaultRunner().withPropertyValues("canary.store.type=memory").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(ReleaseStore.class)).isInstanceOf(InMemoryReleaseStore.class);
			assertThat(context).doesNotHaveBean(FileReleaseStore.class);
		});
		assertThat(this.temp).isEmptyDirectory();
	}

	@Test
	void anApplicationsOwnStoreReplacesTheFileStore() {
		defaultRunner().withUserConfiguration(UserStore.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(ReleaseStore.class).doesNotHaveBean(FileReleaseStore.class);
		});
		assertThat(this.temp).isEmptyDirectory();
	}

	@Test
	void aDirectoryInUseByARunningGatewayFailsStartupPointingToRedis() {
		defaultRunner().run((first) -> {
			assertThat(first).hasNotFailed();
			defaultRunner().run((second) -> {
				assertThat(second).hasFailed();
				FileStoreStartupException cause = find(second.getStartupFailure());
				assertThat(cause.getKind()).isEqualTo(FileStoreStartupException.Kind.IN_USE);
				FailureAnalysis analysis = new FileStoreFailureAnalyzer().analyze(second.getStartupFailure());
				assertThat(analysis.getDescription()).isEqualTo("The release store directory " + this.temp
						+ " is in use by another running gateway in this JVM (it holds the lock file gateway.lock); "
						+ "a directory serves one gateway at a time");
				assertThat(analysis.getAction()).contains("canary.store.file.path")
					.contains("canary.store.type: redis")
					.contains("docs/redis.md");
			});
			// the first is not disturbed
			assertThat(first.getBean(ReleaseStore.class).find("orders")).isPresent();
		});
	}

	@Test
	void aRecordThatCannotBeReadFailsStartupNamingTheFile() throws IOException {
		Path corrupt = Files.writeString(this.temp.resolve("orders.json"), "{\"format\":1,");
		defaultRunner().run((context) -> {
			assertThat(context).hasFailed();
			FailureAnalysis analysis = new FileStoreFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).startsWith("The release store directory " + this.temp
					+ " holds 1 record that cannot be read:\n  - " + corrupt + ": not a release record: ");
			assertThat(analysis.getAction()).startsWith("Repair each file listed above, or move it out of " + this.temp)
				.contains("never overwrites");
		});
		assertThat(Files.readString(corrupt)).isEqualTo("{\"format\":1,");
	}

	@Test
	void aDirectoryThatCannotBeCreatedFailsStartupNamingIt() throws IOException {
		Path file = Files.writeString(this.temp.resolve("a-file"), "");
		defaultRunner().withPropertyValues("canary.store.file.path=" + file.resolve("state")).run((context) -> {
			assertThat(context).hasFailed();
			FailureAnalysis analysis = new FileStoreFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).startsWith(
					"The release store directory " + file.resolve("state") + " cannot be used: cannot create it");
			assertThat(analysis.getAction()).contains("canary.store.file.path");
		});
	}

	@Test
	void aBlankPathFailsStartupNamingTheProperty() {
		defaultRunner().withPropertyValues("canary.store.file.path=").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(new CanaryConfigurationFailureAnalyzer().analyze(context.getStartupFailure()).getDescription())
				.contains("canary.store.file.path: must be a directory path (relative to the working directory or "
						+ "absolute), was ''");
		});
	}

	private static FileStoreStartupException find(Throwable failure) {
		for (Throwable t = failure; t != null; t = t.getCause()) {
			if (t instanceof FileStoreStartupException found) {
				return found;
			}
		}
		throw new AssertionError("no FileStoreStartupException in " + failure, failure);
	}

	@Configuration(proxyBeanMethods = false)
	static class UserStore {

		@Bean
		ReleaseStore userReleaseStore() {
			return new InMemoryReleaseStore();
		}

	}

}
