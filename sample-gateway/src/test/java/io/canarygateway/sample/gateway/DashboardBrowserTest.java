package io.canarygateway.sample.gateway;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestInstanceFactoryContext;
import org.junit.jupiter.api.extension.TestInstancePreConstructCallback;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.FileSystemUtils;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.server.WebFilter;

import io.canarygateway.sample.services.SampleServiceApplication;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in a real browser (headless Debian Chromium) against the sample gateway
 * and in-process sample services: live data arrives, and the abort button — after the
 * basic-auth sign-in the sample's security asks for — rolls the release back; then the
 * release is started and promoted again and the next version (v3) shipped from the card's
 * new-rollout control. Skipped, saying why, where Chromium or its driver is not installed
 * ({@code .ci/run} installs both). Leaves screenshots in
 * {@code target/dashboard-live.png}, {@code target/dashboard.png} and
 * {@code target/dashboard-next-version.png}.
 */
@ExtendWith(DashboardBrowserTest.NeedsChromium.class)
@SpringBootTest(classes = SampleGatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "CANARY_ADMIN_PASSWORD=dashboard-test-password", "canary.dashboard.enabled=true",
				"canary.defaults.analysis.interval=500ms", "canary.defaults.analysis.min-requests=20",
				"canary.defaults.step-interval=5s", "logging.level.io.canarygateway=WARN" })
@Import(DashboardBrowserTest.WrongPasswordDelays.class)
class DashboardBrowserTest {

	private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

	private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

	private static final Duration WAIT = Duration.ofSeconds(30);

	/** What the test's wrong password starts with. */
	private static final String WRONG_PREFIX = "not-";

	private static final List<ConfigurableApplicationContext> services = new ArrayList<>();

	@LocalServerPort
	int port;

	@Value("${spring.security.user.name}")
	String user;

	@Value("${spring.security.user.password}")
	String password;

	private WebDriver driver;

	private Path profile;

	private Disposable traffic;

	@DynamicPropertySource
	static void backends(DynamicPropertyRegistry registry) {
		// started when the gateway's context resolves them, i.e. not at all when the test
		// is skipped
		registry.add("ORDERS_V1_A", () -> service("orders", "v1", "orders-v1-a"));
		registry.add("ORDERS_V1_B", () -> service("orders", "v1", "orders-v1-b"));
		registry.add("ORDERS_V2", () -> service("orders", "v2", "orders-v2"));
		registry.add("PAYMENTS_V1", () -> service("payments", "v1", "payments-v1"));
		registry.add("PAYMENTS_V2", () -> service("payments", "v2", "payments-v2"));
	}

	private static synchronized String service(String name, String version, String instance) {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(SampleServiceApplication.class)
			.properties("server.port=0", "sample.service-name=" + name, "sample.version=" + version,
					"sample.instance-id=" + instance, "sample.faults.latency-jitter-ms=20")
			.run();
		services.add(context);
		return "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
	}

	@AfterAll
	static void stopServices() {
		services.forEach(ConfigurableApplicationContext::close);
		services.clear();
	}

	@AfterEach
	void stopBrowser() throws IOException {
		if (this.traffic != null) {
			this.traffic.dispose();
		}
		if (this.driver != null) {
			this.driver.quit();
		}
		if (this.profile != null) {
			FileSystemUtils.deleteRecursively(this.profile);
		}
	}

	@Test
	void showsLiveReleasesAndAbortsAfterSigningIn() throws IOException {
		String gateway = "http://127.0.0.1:" + this.port;
		AtomicLong sent = new AtomicLong();
		this.traffic = sendTraffic(WebClient.create(gateway), sent);
		this.driver = chromium();
		WebDriverWait wait = new WebDriverWait(this.driver, WAIT);
		// a wait that times out says what the page showed then
		wait.withMessage(this::pageState);

		this.driver.get(gateway + "/canary-dashboard");
		assertThat(this.driver.getCurrentUrl()).endsWith("/canary-dashboard/");
		wait.until(ExpectedConditions.textToBe(testId("state-orders"), "PROGRESSING"));
		wait.until(ExpectedConditions.visibilityOfElementLocated(testId("release-payments")));

		// live data: the requests/s chart has points, a stable line, and keeps moving
		By rps = testId("chart-orders-rps");
		wait.until((d) -> points(d.findElement(rps)) >= 3
				&& !d.findElements(By.cssSelector("[data-testid='chart-orders-rps'] path.line.stable")).isEmpty());
		String lastPoint = this.driver.findElement(rps).getDomAttribute("data-last");
		wait.until((d) -> !lastPoint.equals(d.findElement(rps).getDomAttribute("data-last")));
		assertThat(this.driver.findElement(rps).findElement(By.cssSelector("path.line.stable")).getDomAttribute("d"))
			.contains("L");
		assertThat(this.driver.findElement(testId("weight-orders")).getDomAttribute("aria-valuenow")).isNotBlank();
		screenshot("dashboard-live.png");

		// abort needs basic auth: the page asks, says so clearly when the password is
		// wrong, then retries
		this.driver.findElement(testId("abort-orders")).click();
		wait.until(ExpectedConditions.visibilityOfElementLocated(testId("auth-dialog")));
		signIn(this.user, WRONG_PREFIX + this.password);
		wait.until(ExpectedConditions.visibilityOfElementLocated(testId("auth-error")));
		assertThat(this.driver.findElement(testId("auth-error")).getText()).contains("401");
		// a poll that went out with the wrong password comes back refused after the
		// action did (the requests
		// carrying it are slowed down: WrongPasswordDelays): the error stays, and the
		// page reads on without it
		wait.until((d) -> WrongPasswordDelays.refusedReads.get() >= 1);
		long plainReadsBefore = WrongPasswordDelays.plainReads.get();
		wait.until((d) -> WrongPasswordDelays.plainReads.get() > plainReadsBefore + 1);
		assertThat(this.driver.findElement(testId("auth-error")).isDisplayed()).isTrue();
		assertThat(this.driver.findElement(testId("auth-error")).getText()).contains("401").contains("not accepted");
		screenshot("dashboard-sign-in.png");
		signIn(this.user, this.password);

		wait.until(ExpectedConditions.textToBe(testId("state-orders"), "ROLLED_BACK"));
		assertThat(this.driver.findElement(testId("auth-dialog")).isDisplayed()).isFalse();
		assertThat(this.driver.findElement(testId("error-orders")).isDisplayed()).isFalse();
		assertThat(this.driver.findElement(testId("weight-orders")).getDomAttribute("aria-valuenow")).isEqualTo("0");
		assertThat(this.driver.findElement(testId("breaker-orders")).getText()).isEqualTo("FORCED_OPEN");
		// the history says who aborted: the principal the browser signed in as
		assertThat(this.driver.findElement(testId("history-orders")).getText()).contains("ROLLED_BACK")
			.contains("manual")
			.contains(this.user);
		assertThat(this.driver.findElement(testId("state-payments")).getText()).isNotEqualTo("ROLLED_BACK");
		// a release across two services names each service's version
		assertThat(this.driver.findElement(testId("stable-checkout")).getText()).isEqualTo("orders v4 · payments v7");
		assertThat(this.driver.findElement(testId("canary-checkout")).getText()).isEqualTo("orders v5 · payments v8");
		String state = WebClient.create(gateway)
			.get()
			.uri("/actuator/canary/orders")
			.retrieve()
			.bodyToMono(Map.class)
			.map((release) -> String.valueOf(release.get("state")))
			.block(WAIT);
		assertThat(state).isEqualTo("ROLLED_BACK");

		// the endpoint's refusals reach the user: resume is not allowed once rolled back
		// (the page disables the
		// button; enabled by force here, the endpoint answers 409 and the card says why)
		((JavascriptExecutor) this.driver).executeScript("arguments[0].disabled = false; arguments[0].click();",
				this.driver.findElement(testId("resume-orders")));
		wait.until(ExpectedConditions.visibilityOfElementLocated(testId("error-orders")));
		assertThat(this.driver.findElement(testId("error-orders")).getText()).contains("409")
			.containsIgnoringCase("resume");
		this.driver.findElement(By.cssSelector("[data-testid='error-orders'] button")).click();
		wait.until(ExpectedConditions.invisibilityOfElementLocated(testId("error-orders")));

		// a few more points so the charts show the rollback, then the picture
		String rolledBackAt = this.driver.findElement(rps).getDomAttribute("data-last");
		wait.until((d) -> !rolledBackAt.equals(d.findElement(rps).getDomAttribute("data-last")));
		sleep(Duration.ofSeconds(2));
		screenshot("dashboard.png");
		fullPageScreenshot("dashboard-full.png");

		shipsTheNextVersion(gateway, wait);

		assertThat(sent.get()).isGreaterThan(100);
		assertThat(severeBrowserLogs()).as("errors in the browser console").isEmpty();
	}

	/**
	 * From the rolled-back release: the plain start button starts v2 again, promote
	 * promotes it, then the new-rollout control ships v3 against it — after refusing,
	 * with a message and without changing anything, a malformed version (the page's own
	 * check) and the promoted version (the endpoint's 400) — and refuses v3 again while
	 * it rolls out (409).
	 */
	private void shipsTheNextVersion(String gateway, WebDriverWait wait) throws IOException {
		this.driver.findElement(testId("start-orders")).click();
		wait.until(ExpectedConditions.textToBe(testId("state-orders"), "PROGRESSING"));
		this.driver.findElement(testId("promote-orders")).click();
		wait.until(ExpectedConditions.textToBe(testId("state-orders"), "PROMOTED"));
		assertVersions("v1", "v2", null);
		assertThat(this.driver.findElement(testId("rollout-hint-orders")).getText()).contains("v2 becomes stable");
		Map<?, ?> promoted = release(gateway);
		assertThat(promoted.get("canaryVersion")).isEqualTo("v2");

		// a malformed version: the page says what a version is, and sends nothing
		startVersion("v3 final");
		wait.until(ExpectedConditions.visibilityOfElementLocated(testId("error-orders")));
		assertThat(this.driver.findElement(testId("error-orders")).getText()).contains("1 to 64 letters")
			.contains("\"v3 final\"");
		assertThat(this.driver.switchTo().activeElement().getDomAttribute("data-testid"))
			.isEqualTo("version-input-orders");
		// the promoted version: the endpoint refuses it (400) and the card shows why
		startVersion("v2");
		wait.until(ExpectedConditions.textToBePresentInElementLocated(testId("error-orders"), "400"));
		assertThat(this.driver.findElement(testId("error-orders")).getText()).contains("stable version");
		assertThat(this.driver.findElement(testId("state-orders")).getText()).isEqualTo("PROMOTED");
		assertVersions("v1", "v2", null);
		assertThat(release(gateway).get("revision")).as("nothing changed").isEqualTo(promoted.get("revision"));

		// v3: the promotion hands over, v3 rolls out against v2
		startVersion("v3");
		wait.until(ExpectedConditions.textToBe(testId("canary-orders"), "v3"));
		assertThat(this.driver.findElement(testId("state-orders")).getText()).isEqualTo("PROGRESSING");
		assertVersions("v2", "v3", "v1");
		assertThat(this.driver.findElement(testId("error-orders")).isDisplayed()).isFalse();
		assertThat(this.driver.findElement(testId("notice-orders")).getText()).startsWith("Started v3 at");
		assertThat(this.driver.findElement(testId("version-input-orders")).getDomProperty("value")).isEmpty();
		WebElement newest = this.driver.findElement(By.cssSelector("[data-testid='history-orders'] tr"));
		assertThat(newest.getText()).contains("PROMOTED", "PROGRESSING", "v3", "manual", this.user);
		Map<?, ?> shipped = release(gateway);
		assertThat(List.of(shipped.get("stableVersion"), shipped.get("canaryVersion"), shipped.get("previousVersion")))
			.containsExactly("v2", "v3", "v1");
		screenshot("dashboard-next-version.png");

		// v3 again while it rolls out: the endpoint's 409, on the card
		startVersion("v3");
		wait.until(ExpectedConditions.textToBePresentInElementLocated(testId("error-orders"), "409"));
		assertThat(this.driver.findElement(testId("error-orders")).getText())
			.contains("already rolling out version v3");
		assertVersions("v2", "v3", "v1");
	}

	private void startVersion(String version) {
		WebElement input = this.driver.findElement(testId("version-input-orders"));
		input.clear();
		input.sendKeys(version);
		this.driver.findElement(testId("start-version-orders")).click();
	}

	/** The versions the orders card shows; {@code previous == null}: none shown. */
	private void assertVersions(String stable, String canary, String previous) {
		assertThat(this.driver.findElement(testId("stable-orders")).getText()).isEqualTo(stable);
		assertThat(this.driver.findElement(testId("canary-orders")).getText()).isEqualTo(canary);
		WebElement shown = this.driver.findElement(testId("previous-orders"));
		if (previous == null) {
			assertThat(shown.isDisplayed()).as("previous version shown").isFalse();
		}
		else {
			assertThat(shown.isDisplayed()).as("previous version shown").isTrue();
			assertThat(shown.getText()).isEqualTo(previous);
		}
	}

	private static Map<?, ?> release(String gateway) {
		return WebClient.create(gateway)
			.get()
			.uri("/actuator/canary/orders")
			.retrieve()
			.bodyToMono(Map.class)
			.block(WAIT);
	}

	private void signIn(String username, String secret) {
		WebElement name = this.driver.findElement(testId("auth-username"));
		name.clear();
		name.sendKeys(username);
		WebElement pass = this.driver.findElement(testId("auth-password"));
		pass.clear();
		pass.sendKeys(secret);
		this.driver.findElement(testId("auth-submit")).click();
	}

	/**
	 * About 60 requests a second to both releases until disposed: the charts' live data.
	 */
	private static Disposable sendTraffic(WebClient client, AtomicLong sent) {
		return Flux.interval(Duration.ofMillis(16))
			.onBackpressureDrop()
			.flatMap((i) -> client.get()
				.uri(((i % 3 == 0) ? "/payments/" : "/orders/") + i)
				.exchangeToMono((response) -> response.releaseBody())
				.doOnTerminate(sent::incrementAndGet)
				.onErrorResume((ex) -> Mono.empty()), 16)
			.subscribe();
	}

	private WebDriver chromium() throws IOException {
		this.profile = Files.createTempDirectory("dashboard-chromium");
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM.toFile());
		options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
				"--user-data-dir=" + this.profile, "--window-size=1280,800", "--force-device-scale-factor=1");
		options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
		ChromeDriverService service = new ChromeDriverService.Builder()
			.usingDriverExecutable(new File(CHROMEDRIVER.toString()))
			.usingAnyFreePort()
			.build();
		ChromeDriver chrome = new ChromeDriver(service, options);
		// the page's viewport is exactly 1280×800 (the window's size would include the
		// window's frame)
		chrome.executeCdpCommand("Emulation.setDeviceMetricsOverride",
				Map.of("width", 1280, "height", 800, "deviceScaleFactor", 1, "mobile", false));
		return chrome;
	}

	/**
	 * What the page shows of the sign-in and the orders card, and what the browser
	 * logged: for failures.
	 */
	private String pageState() {
		try {
			Object shown = ((JavascriptExecutor) this.driver).executeScript("var q = function (id) {"
					+ " return document.querySelector(\"[data-testid='\" + id + \"']\"); };"
					+ " var text = function (id) { var e = q(id); return e ? JSON.stringify(e.textContent) : 'none'; };"
					+ " return 'sign-in dialog open: ' + (q('auth-dialog') && q('auth-dialog').open)"
					+ " + ', auth-error hidden: ' + (q('auth-error') && q('auth-error').hidden) + ' ' + text('auth-error')"
					+ " + ', orders state ' + text('state-orders') + ', notice ' + text('notice-orders')"
					+ " + ', error ' + text('error-orders');");
			List<String> logs = this.driver.manage()
				.logs()
				.get(LogType.BROWSER)
				.getAll()
				.stream()
				.map((entry) -> entry.getLevel() + " " + entry.getMessage())
				.toList();
			return "page: " + shown + "; browser log: " + logs;
		}
		catch (RuntimeException ex) {
			return "page state unavailable: " + ex;
		}
	}

	private List<String> severeBrowserLogs() {
		return this.driver.manage()
			.logs()
			.get(LogType.BROWSER)
			.getAll()
			.stream()
			.filter((entry) -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
			.map(LogEntry::getMessage)
			// the first, credential-less abort, the deliberately wrong password, the
			// refused resume and the refused versions
			.filter((message) -> !message.contains("401") && !message.contains("409") && !message.contains("400"))
			.toList();
	}

	private void screenshot(String name) throws IOException {
		Path target = Path.of(System.getProperty("basedir", "."), "target", name);
		Files.createDirectories(target.getParent());
		Files.write(target, ((TakesScreenshot) this.driver).getScreenshotAs(OutputType.BYTES));
	}

	private void fullPageScreenshot(String name) throws IOException {
		Map<String, Object> shot = ((ChromeDriver) this.driver).executeCdpCommand("Page.captureScreenshot",
				Map.of("format", "png", "captureBeyondViewport", true));
		Path target = Path.of(System.getProperty("basedir", "."), "target", name);
		Files.write(target, Base64.getDecoder().decode((String) shot.get("data")));
	}

	/**
	 * Skips the test, saying why, where Chromium is missing — before the test instance
	 * exists, so neither the gateway nor the sample services start for nothing. (An
	 * assumption in a {@code @BeforeAll} would skip the class without Surefire counting
	 * or reporting it.)
	 */
	static final class NeedsChromium implements TestInstancePreConstructCallback {

		@Override
		public void preConstructTestInstance(TestInstanceFactoryContext factoryContext, ExtensionContext context) {
			Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
					"DashboardBrowserTest skipped: it needs " + CHROMIUM + " and " + CHROMEDRIVER
							+ " (Debian: apt-get install -y chromium chromium-driver; .ci/run installs them)");
		}

	}

	/**
	 * Slows down the requests that carry the test's wrong password, so the race a user
	 * can hit by chance happens every time: the refused action comes back first, the
	 * page's poll that went out with the same password later.
	 */
	static final class WrongPasswordDelays {

		/**
		 * Credentialed reads refused with the wrong password, counted when their answer
		 * leaves the gateway.
		 */
		static final AtomicLong refusedReads = new AtomicLong();

		/** Reads without credentials, counted when they arrive. */
		static final AtomicLong plainReads = new AtomicLong();

		@Bean
		@Order(Ordered.HIGHEST_PRECEDENCE)
		WebFilter wrongPasswordDelays() {
			return (exchange, chain) -> {
				ServerHttpRequest request = exchange.getRequest();
				if (!request.getPath().value().startsWith("/actuator/canary")) {
					return chain.filter(exchange);
				}
				boolean read = HttpMethod.GET.equals(request.getMethod());
				String authorization = request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
				if (authorization == null) {
					if (read) {
						plainReads.incrementAndGet();
					}
					return chain.filter(exchange);
				}
				String decoded = new String(Base64.getDecoder().decode(authorization.substring("Basic ".length())));
				if (!decoded.contains(":" + WRONG_PREFIX)) {
					return chain.filter(exchange);
				}
				Duration delay = read ? Duration.ofSeconds(6) : Duration.ofSeconds(4);
				Mono<Void> delayed = Mono.delay(delay).then(chain.filter(exchange));
				return read ? delayed.doFinally((signal) -> refusedReads.incrementAndGet()) : delayed;
			};
		}

	}

	private static int points(WebElement chart) {
		String value = chart.getDomAttribute("data-points");
		return (value != null) ? Integer.parseInt(value) : 0;
	}

	private static By testId(String id) {
		return By.cssSelector("[data-testid='" + id + "']");
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
