package io.mmserve.galleryit;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.JSHandle;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.Route;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.AriaRole;
import io.mmserve.testsupport.LocalStackProcess;
import io.mmserve.testsupport.ShapePictures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gallery page in a real browser: Debian's chromium, driven by Playwright, against the local
 * stack ({@link LocalStackProcess}). Before the tests, a folder of generated shapes (6 colours x 4
 * shapes, each large in the centre and small on the left) is indexed through the page's file input;
 * each test then opens the page afresh. Waits are Playwright's: its assertions poll the page until
 * the condition holds or {@link #WAIT_MS} passes.
 *
 * <p>The results of the "a red circle" search are saved as {@code target/gallery.png} (1280x800);
 * docs/gallery_screenshot.sh copies it to docs/images/gallery.png. With {@code
 * -Dgallery.it.url=http://127.0.0.1:8080} the test uses a running gateway instead of starting one.
 */
class GalleryPageIT {
  /** Generous: embedding 48 images on a busy 2-core machine. */
  private static final double WAIT_MS = 180_000;

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path TARGET = Path.of("target").toAbsolutePath();
  private static final String COLLECTION = "shapes";

  private static LocalStackProcess stack;
  private static String baseUrl;
  private static Playwright playwright;
  private static Browser browser;
  private static Path shapes;

  private BrowserContext context;
  private Page page;

  @BeforeAll
  static void startStackAndIndexShapes() throws Exception {
    assertTrue(
        Files.isExecutable(CHROMIUM),
        CHROMIUM + " is missing: install Debian's chromium (.ci/system-packages.sh does)");
    shapes = writeShapes(TARGET.resolve("shapes"));
    String given = System.getProperty("gallery.it.url", "");
    if (given.isEmpty()) {
      stack = LocalStackProcess.start(TARGET.resolve("it-data"));
      baseUrl = stack.httpUrl();
    } else {
      baseUrl = given;
    }
    playwright =
        Playwright.create(
            new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    // the page's stable hooks are data-test attributes
    playwright.selectors().setTestIdAttribute("data-test");
    browser =
        playwright
            .chromium()
            .launch(new BrowserType.LaunchOptions().setExecutablePath(CHROMIUM).setHeadless(true));
    PlaywrightAssertions.setDefaultAssertionTimeout(WAIT_MS);

    try (BrowserContext indexing = browser.newContext()) {
      Page page = open(indexing, COLLECTION);
      Path[] files;
      try (var listing = Files.list(shapes)) {
        files = listing.sorted().toArray(Path[]::new);
      }
      page.getByLabel("choose image files").setInputFiles(files);
      assertThat(page.getByTestId("add-status"))
          .hasText("Added " + files.length + " of " + files.length + " images");
      assertThat(page.getByTestId("collection-info")).containsText(files.length + " items");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (playwright != null) {
      playwright.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  @BeforeEach
  void openContext() {
    context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 800));
    context.setDefaultTimeout(WAIT_MS);
  }

  @AfterEach
  void closeContext() {
    context.close();
  }

  @Test
  void typedText_redCircle_topHitsAreTheRedCircles() throws IOException {
    page = open(context, COLLECTION);

    text(page).fill("a red circle");
    text(page).press("Enter");

    assertThat(page.getByTestId("results-status")).hasText("12 hits for \"a red circle\"");
    List<String> ids = hitIds();
    assertEquals(
        List.of("red-circle-large.png", "red-circle-small.png"),
        ids.subList(0, 2).stream().sorted().toList(),
        ids::toString);
    assertThat(page.getByTestId("hit").first().getByTestId("score"))
        .hasText(Pattern.compile("score -?\\d\\.\\d{3}"));
    assertThat(page.getByTestId("hit").first()).containsText("red-circle-");
    assertScoresDescend();
    Files.createDirectories(TARGET);
    page.screenshot(new Page.ScreenshotOptions().setPath(TARGET.resolve("gallery.png")));
  }

  @Test
  void droppedImage_blueSquare_topHitIsThatImage() throws IOException {
    page = open(context, COLLECTION);
    byte[] query = Files.readAllBytes(shapes.resolve("blue-square-large.png"));

    drop("#query-drop", "blue-square-large.png", query);

    assertThat(page.getByTestId("results-status"))
        .hasText("12 hits for images like blue-square-large.png");
    assertEquals("blue-square-large.png", hitIds().get(0), () -> hitIds().toString());
    assertScoresDescend();
  }

  @Test
  void droppedFiles_intoANewCollection_areAddedAndListed() {
    page = open(context, "dropped");

    drop("#add-drop", "yellow-star.png", ShapePictures.png("yellow", "star"));

    assertThat(page.getByTestId("add-status")).hasText("Added 1 of 1 images");
    assertThat(page.getByTestId("collection-info")).containsText("1 items");
    assertThat(page.locator("#collection-names option[value=dropped]")).hasCount(1);
  }

  @Test
  void hits_withAThumbnailShowIt_withoutOneShowAPlaceholderWithTheirId() {
    page = open(context, COLLECTION);
    String thumbnail = Base64.getEncoder().encodeToString(ShapePictures.png("green", "star"));
    // the answer as the gateway gives it when the collection keeps thumbnails for some items
    page.route(
        "**/v1/collections/" + COLLECTION + ":search",
        route ->
            route.fulfill(
                new Route.FulfillOptions()
                    .setContentType("application/json")
                    .setBody(
                        "{\"hits\": [{\"id\": \"with.png\", \"score\": 0.9, \"thumbnail\": \""
                            + thumbnail
                            + "\"}, {\"id\": \"without.png\", \"score\": 0.8}]}")));

    text(page).fill("a green star");
    text(page).press("Enter");

    assertThat(page.getByTestId("results-status")).hasText("2 hits for \"a green star\"");
    Locator with = page.locator("[data-test=hit][data-id='with.png'] img");
    assertThat(with).hasAttribute("src", "data:image/png;base64," + thumbnail);
    assertEquals(64, with.evaluate("image => image.naturalWidth"));
    assertThat(
            page.getByRole(
                AriaRole.IMG, new Page.GetByRoleOptions().setName("no thumbnail: without.png")))
        .hasText("without.png");
  }

  @Test
  void search_unknownCollection_showsTheServersMessage() {
    page = open(context, "no-such-collection");

    text(page).fill("a red circle");
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Search").setExact(true))
        .click();

    assertThat(page.getByRole(AriaRole.ALERT))
        .containsText("collection 'no-such-collection' does not exist");
    assertThat(page.getByTestId("hit")).hasCount(0);
  }

  @Test
  void add_fileThatIsNoImage_showsTheServersMessageNamingTheFile() throws IOException {
    page = open(context, "broken");
    Path broken =
        Files.writeString(TARGET.resolve("broken.png"), "not a png", StandardCharsets.UTF_8);

    page.getByLabel("choose image files").setInputFiles(broken);

    assertThat(page.getByTestId("add-status")).containsText("stopped at an error");
    Locator error = page.getByRole(AriaRole.ALERT);
    assertThat(error).containsText("INVALID_ARGUMENT");
    assertThat(error).containsText(Pattern.compile("(items|images)\\[0\\] is broken.png"));
  }

  private static Page open(BrowserContext context, String collection) {
    Page page = context.newPage();
    page.navigate(baseUrl + "/gallery/?collection=" + collection);
    assertThat(page.getByLabel("Name", new Page.GetByLabelOptions().setExact(true)))
        .hasValue(collection);
    return page;
  }

  private static Locator text(Page page) {
    return page.getByLabel("Text", new Page.GetByLabelOptions().setExact(true));
  }

  private void assertScoresDescend() {
    List<Double> scores = new ArrayList<>();
    for (Locator hit : page.getByTestId("hit").all()) {
      scores.add(Double.parseDouble(hit.getAttribute("data-score")));
    }
    for (int i = 1; i < scores.size(); i++) {
      assertTrue(scores.get(i - 1) >= scores.get(i), scores::toString);
    }
  }

  private List<String> hitIds() {
    List<String> ids = new ArrayList<>();
    for (Locator hit : page.getByTestId("hit").all()) {
      ids.add(hit.getAttribute("data-id"));
    }
    return ids;
  }

  /** Drops a file on {@code selector} as a browser does: a drop event carrying a DataTransfer. */
  private void drop(String selector, String name, byte[] png) {
    JSHandle files =
        page.evaluateHandle(
            "([name, base64]) => {"
                + " const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));"
                + " const transfer = new DataTransfer();"
                + " transfer.items.add(new File([bytes], name, { type: 'image/png' }));"
                + " return transfer; }",
            List.of(name, Base64.getEncoder().encodeToString(png)));
    page.dispatchEvent(selector, "dragover", Map.of("dataTransfer", files));
    page.dispatchEvent(selector, "drop", Map.of("dataTransfer", files));
  }

  /** Writes each colour x shape x variant as {@code <colour>-<shape>-<variant>.png}. */
  private static Path writeShapes(Path folder) throws IOException {
    Files.createDirectories(folder);
    for (String colour : ShapePictures.COLOURS.keySet()) {
      for (String shape : ShapePictures.SHAPES) {
        Files.write(
            folder.resolve(colour + "-" + shape + "-large.png"), ShapePictures.png(colour, shape));
        Files.write(
            folder.resolve(colour + "-" + shape + "-small.png"),
            ShapePictures.png(colour, shape, ShapePictures.SMALL, 0.27, 0.5));
      }
    }
    return folder;
  }
}
