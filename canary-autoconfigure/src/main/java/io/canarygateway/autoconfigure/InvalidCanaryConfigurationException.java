package io.canarygateway.autoconfigure;

import java.util.List;

/**
 * The {@code canary.*} configuration breaks one or more rules; each problem names the
 * property and the rule.
 */
public class InvalidCanaryConfigurationException extends IllegalStateException {

	private final List<String> problems;

	public InvalidCanaryConfigurationException(List<String> problems) {
		super("Invalid canary configuration:\n  - " + String.join("\n  - ", problems));
		this.problems = List.copyOf(problems);
	}

	/** One line per problem: {@code <property>: <rule>}. */
	public List<String> getProblems() {
		return this.problems;
	}

}
