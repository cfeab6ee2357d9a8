package io.canarygateway.architecture;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layering rule of docs/architecture.md ("Packages and what they may use"), checked
 * on the compiled library: each package may use only the packages of ours listed for it,
 * so dependencies point inward and there is no cycle. {@code core} uses nothing but the
 * JDK and JSpecify.
 */
class LayeringTest {

	private static final String BASE = "io.canarygateway.";

	/**
	 * Each package and the packages of ours it may use (besides itself). Keep in step
	 * with the architecture page.
	 */
	static final Map<String, List<String>> ALLOWED = new LinkedHashMap<>();

	static {
		ALLOWED.put("core", List.of());
		ALLOWED.put("analysis", List.of("core"));
		ALLOWED.put("store", List.of("core"));
		ALLOWED.put("store.file", List.of("core", "store"));
		ALLOWED.put("store.redis", List.of("core", "store", "analysis"));
		ALLOWED.put("control", List.of("core", "analysis", "store"));
		ALLOWED.put("breaker", List.of("core", "control"));
		ALLOWED.put("metrics", List.of("core", "control"));
		ALLOWED.put("event", List.of("core"));
		ALLOWED.put("loadbalancer", List.of("core"));
		ALLOWED.put("routing", List.of("core", "analysis", "control", "loadbalancer", "metrics"));
		ALLOWED.put("actuate", List.of("core", "analysis", "control"));
		ALLOWED.put("dashboard", List.of());
		ALLOWED.put("webhook", List.of("core", "control"));
		ALLOWED.put("prometheus", List.of("core", "control"));
		ALLOWED.put("autoconfigure", new ArrayList<>(ALLOWED.keySet()));
	}

	private static final JavaClasses LIBRARY = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("io.canarygateway");

	@Test
	void everyPackageOfTheLibraryHasARule() {
		Set<String> packages = new TreeSet<>();
		for (JavaClass type : LIBRARY) {
			packages.add(type.getPackageName().substring(BASE.length()));
		}
		assertThat(packages).as("packages of the library").isNotEmpty();
		assertThat(ALLOWED.keySet()).containsAll(packages);
	}

	@Test
	void corePackageUsesOnlyTheJdkAndJSpecify() {
		noClasses().that()
			.resideInAPackage(BASE + "core")
			.should()
			.dependOnClassesThat()
			.resideOutsideOfPackages("java..", "org.jspecify..", BASE + "core")
			.check(LIBRARY);
	}

	@Test
	void noPackageUsesAPackageItIsNotAllowedTo() {
		ALLOWED.forEach((pkg, allowed) -> {
			List<String> forbidden = new ArrayList<>();
			for (String other : ALLOWED.keySet()) {
				if (!other.equals(pkg) && !allowed.contains(other)) {
					forbidden.add(BASE + other);
				}
			}
			if (!forbidden.isEmpty()) {
				noClasses().that()
					.resideInAPackage(BASE + pkg)
					.should()
					.dependOnClassesThat()
					.resideInAnyPackage(forbidden.toArray(String[]::new))
					.as(pkg + " uses only " + allowed)
					.check(LIBRARY);
			}
		});
	}

}
