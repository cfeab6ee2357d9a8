package io.canarygateway.dashboard;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DashboardRouterTest {

	@Test
	void pathGetsALeadingAndATrailingSlash() {
		assertThat(DashboardRouter.normalizePath("/canary-dashboard/")).isEqualTo("/canary-dashboard/");
		assertThat(DashboardRouter.normalizePath("/canary-dashboard")).isEqualTo("/canary-dashboard/");
		assertThat(DashboardRouter.normalizePath("ops/canary")).isEqualTo("/ops/canary/");
		assertThat(DashboardRouter.normalizePath(" / ")).isEqualTo("/");
	}

	@Test
	void patternsAndBlankPathsAreRefused() {
		for (String bad : new String[] { "", "/dash/**", "/dash/{x}", "/dash?x=1", "//dash", "/da sh" }) {
			assertThatThrownBy(() -> DashboardRouter.normalizePath(bad)).as(bad)
				.isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("must be a plain URL path");
		}
	}

	@Test
	void endpointUrlIsHtmlEscapedIntoTheMeta() {
		String page = DashboardRouter.render("<meta name=\"canary-endpoint\" content=\"{{canary-endpoint}}\">",
				"/a\"><script>x</script>&");
		assertThat(page)
			.isEqualTo("<meta name=\"canary-endpoint\" content=\"/a&quot;&gt;&lt;script&gt;x&lt;/script&gt;&amp;\">");
	}

	@Test
	void pageIsRenderedOnceOnFirstUse() {
		int[] asked = { 0 };
		DashboardRouter router = new DashboardRouter("/d", () -> {
			asked[0]++;
			return "/actuator/canary";
		});
		assertThat(asked[0]).isZero();
		String page = new String(router.renderedPage(), StandardCharsets.UTF_8);
		router.renderedPage();
		assertThat(asked[0]).isEqualTo(1);
		assertThat(page).contains("content=\"/actuator/canary\"");
		assertThat(router.path()).isEqualTo("/d/");
	}

}
