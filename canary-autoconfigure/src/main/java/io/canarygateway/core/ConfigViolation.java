package io.canarygateway.core;

/**
 * A configuration value that breaks a rule.
 *
 * @param property the property's path relative to the release, e.g. {@code steps} or
 * {@code analysis.confidence}
 * @param rule what the value must be and what it was, e.g. "must be strictly increasing,
 * was [10, 5]"
 */
public record ConfigViolation(String property, String rule) {
}
