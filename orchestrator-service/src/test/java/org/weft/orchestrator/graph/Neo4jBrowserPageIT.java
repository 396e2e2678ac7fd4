package org.weft.orchestrator.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.springframework.beans.factory.annotation.Value;
import org.weft.orchestrator.lifecycle.TaskState;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.TestWorker;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;
import org.weft.task.api.TaskResult;

/**
 * Opens the embedded Neo4j's Browser in a real headless Chromium, connects as the doc says, runs
 * the doc's live DAG query on an expanded map-reduce whose map over one chunk failed, and reads
 * what Browser drew. The screenshot it leaves in {@code target/neo4j-browser/} is the one the doc
 * shows.
 */
@WeftIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Neo4jBrowserPageIT {

  private static final Pattern LIVE_DAG = Pattern.compile("<!-- query: live-dag -->\\s*```cypher\\n(.*?)```", Pattern.DOTALL);
  private static final Duration DRAWN = Duration.ofSeconds(60);

  @Value("${local.server.port}")
  int port;

  @Value("${spring.kafka.bootstrap-servers}")
  String kafka;

  @Value("${weft.embedded.neo4j-browser-url}")
  String browserUrl;

  @Value("${spring.neo4j.uri}")
  String boltUri;

  String experimentId;
  WebDriver browser;
  Map<String, WebElement> drawn;

  @BeforeAll
  void runAMapReduceWhoseSecondMapFailsAndDrawItsDag() throws IOException, InterruptedException {
    var api = new Api(port);
    experimentId = api.submit("""
        {"experimentType": "map-reduce", "inputs": {"input-file": "file:///data/in.dat"}}""");
    try (var worker = new TestWorker(kafka, "browser-page-worker", dispatch -> !dispatch.experimentId().equals(experimentId)
        ? null
        : switch (dispatch.taskKey()) {
          case "chunks" -> TestWorker.result(dispatch, TaskResult.Status.SUCCEEDED, Map.of("location", "/out", "files",
              List.of(Map.of("name", "chunk-0"), Map.of("name", "chunk-1"), Map.of("name", "chunk-2"))), null, "browser-page-worker");
          case "map[1]" -> TestWorker.result(dispatch, TaskResult.Status.FAILED, Map.of(),
              new TaskResult.Error("exit code 1", false), "browser-page-worker");
          default -> TestWorker.success(dispatch, "browser-page-worker");
        })) {
      api.awaitState(experimentId, "FAILED", Duration.ofSeconds(60));
    }
    var query = liveDagQuery().replace("$experimentId", "'" + experimentId + "'");

    browser = chromium();
    browser.get(browserUrl + "?dbms=" + boltUri + "&preselectAuthMethod=NO_AUTH&cmd=edit&arg="
        + URLEncoder.encode(query, StandardCharsets.UTF_8));
    // Browser connects by itself to a server without authentication; the form is a fallback. The
    // style Weft's Neo4j has it apply once connected shows as a frame of its own.
    await("Browser to connect and apply Weft's style").atMost(DRAWN).ignoreExceptions().until(() -> {
      browser.findElements(By.cssSelector("[data-testid=connect]")).forEach(WebElement::click);
      return browser.findElements(By.cssSelector("[data-testid=frameCommand]")).stream()
          .anyMatch(command -> command.getText().startsWith(":style"));
    });
    browser.findElement(By.cssSelector("[data-testid=editor-Run]")).click();
    try {
      await("the live DAG to be drawn").atMost(DRAWN).ignoreExceptions().untilAsserted(() -> {
        drawn = captionedNodes();
        assertThat(drawn).containsKeys("setup", "map[0]", "map[1]", "map[2]", "watch-map[2]", "stage-out");
      });
    } finally {
      screenshot();
    }
  }

  @AfterAll
  void closeBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  @Test
  void everyTaskNodeIsCaptionedWithItsKeyAndTheExperimentWithItsType() {
    assertThat(drawn).containsOnlyKeys("map-reduce", "setup", "stage-in", "split", "watch-split", "chunks",
        "map", "map[0]", "map[1]", "map[2]", "watch-map", "watch-map[0]", "watch-map[1]", "watch-map[2]",
        "reduce", "reduce[0]", "reduce[1]", "watch-reduce", "watch-reduce[0]", "watch-reduce[1]", "stage-out");
  }

  @Test
  void eachNodeIsColouredByItsState() {
    var style = weftStyle();

    assertThat(fill("map[1]")).isEqualToIgnoringCase(style.get(TaskState.FAILED));
    assertThat(fill("map[0]")).isEqualToIgnoringCase(style.get(TaskState.SUCCEEDED));
    assertThat(fill("map")).isEqualToIgnoringCase(style.get(TaskState.EXPANDED));
    assertThat(fill("stage-out")).isEqualToIgnoringCase(style.get(TaskState.WAITING));
    assertThat(style.values()).doesNotHaveDuplicates();
  }

  @Test
  void theMembersOfEachRepeatedTaskAreDrawnLinkedToOneNode() {
    // the legend counts what is drawn; a short arrow's caption is cut, so the arrows' own captions cannot
    var legend = browser.findElement(By.cssSelector("[data-testid='property-details-overview-relationship-type-HAS_MEMBER']"));

    assertThat(legend.getText()).isEqualTo("HAS_MEMBER (10)");
    assertThat(browser.findElement(By.cssSelector("[data-testid='property-details-overview-node-label-TaskGroup']"))
        .getText()).isEqualTo("TaskGroup (2)");
  }

  private String fill(String caption) {
    return drawn.get(caption).findElement(By.cssSelector("circle.b-outline")).getAttribute("fill");
  }

  /** Each drawn node by its caption (a caption Browser wraps is several text elements). */
  private Map<String, WebElement> captionedNodes() {
    var nodes = new HashMap<String, WebElement>();
    for (var node : browser.findElements(By.cssSelector("g.node"))) {
      var caption = new StringBuilder();
      node.findElements(By.cssSelector("text.caption")).forEach(text -> caption.append(text.getText()));
      nodes.put(caption.toString(), node);
    }
    return nodes;
  }

  /** The colour the shipped style gives each task state's label. */
  private static Map<TaskState, String> weftStyle() {
    try {
      var style = Files.readString(Paths.get("..", "docs", "neo4j-browser", "weft.grass"));
      var colours = new HashMap<TaskState, String>();
      for (var state : TaskState.values()) {
        var rule = Pattern.compile("\"node\\." + state.label() + "\": \\{[^}]*\"color\": \"(#[0-9A-Fa-f]{6})\"").matcher(style);
        assertThat(rule.find()).as("a colour for %s in weft.grass", state).isTrue();
        colours.put(state, rule.group(1));
      }
      return colours;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String liveDagQuery() throws IOException {
    var matcher = LIVE_DAG.matcher(Files.readString(Paths.get("..", "docs", "neo4j-browser.md")));
    assertThat(matcher.find()).as("the live DAG query in docs/neo4j-browser.md").isTrue();
    return matcher.group(1).strip();
  }

  private void screenshot() throws IOException {
    var file = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
    var target = Paths.get("target", "neo4j-browser", "live-dag.png");
    Files.createDirectories(target.getParent());
    Files.copy(file.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Debian's headless Chromium and its driver, installed first when they are missing. */
  private static WebDriver chromium() throws IOException {
    if (!Files.isExecutable(Path.of("/usr/bin/chromedriver")) || !Files.isExecutable(Path.of("/usr/bin/chromium"))) {
      installBrowserPackages();
    }
    var options = new ChromeOptions()
        .setBinary("/usr/bin/chromium")
        .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000");
    var service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
        .usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }

  private static void installBrowserPackages() throws IOException {
    var script = Paths.get("..", ".ci", "install-browser-packages").toAbsolutePath().normalize();
    var process = new ProcessBuilder(script.toString()).inheritIO().start();
    try {
      if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
        throw new IllegalStateException("installing chromium and chromium-driver with " + script + " failed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
