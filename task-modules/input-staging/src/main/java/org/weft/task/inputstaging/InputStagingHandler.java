package org.weft.task.inputstaging;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.weft.task.runtime.TaskContext;
import org.weft.task.runtime.TaskFailure;
import org.weft.task.runtime.TaskHandler;
import org.weft.task.runtime.WorkerProperties;
import org.weft.task.runtime.files.Checksums;
import org.weft.task.runtime.files.SafePaths;

/**
 * Brings the experiment's inputs ({@code params.source}: one URI or a list) into
 * {@code params.destination}, a directory in the workspace. {@code file://} inputs must lie under
 * the workspace or an allowed root; {@code http(s)://} inputs are streamed to disk up to the size
 * limit. Outputs {@code path} (the first), {@code paths}, {@code checksums} and {@code sizes}, by
 * file name.
 */
public class InputStagingHandler implements TaskHandler {

  private static final Pattern UNSAFE_NAME = Pattern.compile("[^A-Za-z0-9._-]");

  private final WorkerProperties properties;
  private final HttpClient http;

  InputStagingHandler(WorkerProperties properties) {
    this.properties = properties;
    this.http = HttpClient.newBuilder()
        .connectTimeout(properties.staging().connectTimeout())
        .followRedirects(HttpClient.Redirect.NORMAL)
        .build();
  }

  @Override
  public String taskType() {
    return "input-staging";
  }

  @Override
  public Map<String, Object> run(TaskContext context) throws Exception {
    var params = context.params();
    var destination = SafePaths.under(List.of(properties.workspaceDir()), string(params.get("destination")),
        "destination");
    Files.createDirectories(destination);
    var sources = sources(params.get("source"));
    var paths = new ArrayList<String>();
    var checksums = new LinkedHashMap<String, Object>();
    var sizes = new LinkedHashMap<String, Object>();
    for (var source : sources) {
      context.checkCancelled();
      var staged = stage(source, destination);
      paths.add(staged.toString());
      checksums.put(staged.getFileName().toString(), Checksums.sha256(staged));
      sizes.put(staged.getFileName().toString(), Files.size(staged));
    }
    var outputs = new LinkedHashMap<String, Object>();
    outputs.put("path", paths.get(0));
    outputs.put("paths", paths);
    outputs.put("checksums", checksums);
    outputs.put("sizes", sizes);
    return outputs;
  }

  private static List<String> sources(Object source) {
    if (source instanceof String text && !text.isBlank()) {
      return List.of(text);
    }
    if (source instanceof List<?> list && !list.isEmpty() && list.stream().allMatch(s -> s instanceof String)) {
      return list.stream().map(String.class::cast).toList();
    }
    throw TaskFailure.permanent("params.source must be a URI or a non-empty list of URIs");
  }

  private Path stage(String source, Path destination) throws IOException, InterruptedException {
    URI uri;
    try {
      uri = new URI(source);
    } catch (URISyntaxException e) {
      throw TaskFailure.permanent("input '" + source + "' is not a URI: " + e.getReason());
    }
    var scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
    return switch (scheme) {
      case "file" -> copyFile(uri, destination);
      case "http", "https" -> download(uri, destination);
      default -> throw TaskFailure.permanent("input '" + source + "' has an unsupported scheme (file, http, https)");
    };
  }

  private Path copyFile(URI uri, Path destination) throws IOException {
    var roots = new ArrayList<Path>(properties.staging().allowedRootDirs());
    roots.add(properties.workspaceDir());
    var path = SafePaths.under(roots, uri.getPath(), "input");
    if (!Files.isRegularFile(path)) {
      throw TaskFailure.permanent("input " + uri + " is not a readable file");
    }
    var target = destination.resolve(safeName(path.getFileName().toString()));
    if (!target.equals(path)) {
      Files.copy(path, target, StandardCopyOption.REPLACE_EXISTING);
    }
    return target;
  }

  private Path download(URI uri, Path destination) throws IOException, InterruptedException {
    long limit = properties.staging().maxDownloadSize().toBytes();
    var request = HttpRequest.newBuilder(uri).timeout(properties.staging().readTimeout()).GET().build();
    HttpResponse<InputStream> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (ConnectException | HttpTimeoutException e) {
      throw TaskFailure.retryable("input " + uri + " is unreachable: " + e.getClass().getSimpleName());
    } catch (IllegalArgumentException e) {
      throw TaskFailure.permanent("input " + uri + " cannot be fetched: " + e.getMessage());
    }
    try (var body = response.body()) {
      int status = response.statusCode();
      if (status != 200) {
        var message = "input " + uri + " answered HTTP " + status;
        throw status >= 500 || status == 429 ? TaskFailure.retryable(message) : TaskFailure.permanent(message);
      }
      var declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
      if (declared > limit) {
        throw TaskFailure.permanent("input %s is %d bytes, over the limit of %d".formatted(uri, declared, limit));
      }
      var name = uri.getPath() == null || uri.getPath().endsWith("/") ? "input"
          : Path.of(uri.getPath()).getFileName().toString();
      var target = destination.resolve(safeName(name));
      var partial = destination.resolve(target.getFileName() + ".partial");
      try (var out = Files.newOutputStream(partial)) {
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = body.read(buffer)) >= 0) {
          total += read;
          if (total > limit) {
            throw TaskFailure.permanent("input %s is over the limit of %d bytes".formatted(uri, limit));
          }
          out.write(buffer, 0, read);
        }
      } catch (TaskFailure | IOException e) {
        Files.deleteIfExists(partial);
        throw e;
      }
      return Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  private static String safeName(String name) {
    var safe = UNSAFE_NAME.matcher(name).replaceAll("_");
    return safe.isEmpty() || safe.startsWith(".") ? "input" + safe : safe;
  }

  private static String string(Object value) {
    return value instanceof String text ? text : null;
  }
}
