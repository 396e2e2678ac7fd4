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
import org.weft.task.api.DataFile;
import org.weft.task.runtime.TaskContext;
import org.weft.task.runtime.TaskFailure;
import org.weft.task.runtime.TaskHandler;
import org.weft.task.runtime.WorkerProperties;
import org.weft.task.runtime.files.Checksums;
import org.weft.task.runtime.files.LimitedCopy;
import org.weft.task.runtime.files.SafePaths;
import org.weft.task.runtime.hpc.ComputeResources;
import org.weft.task.runtime.hpc.RemoteHosts;
import org.weft.task.runtime.net.AddressPolicy;
import org.weft.task.runtime.net.RefusedAddressException;

/**
 * Brings the experiment's inputs ({@code params.source}: one URI or a list) into
 * {@code params.destination}, a directory in the workspace. {@code file://} inputs must lie under
 * the workspace or an allowed root; {@code http(s)://} inputs are streamed to disk up to the size
 * limit. Outputs {@code path} (the first), {@code paths}, {@code checksums} and {@code sizes}, by
 * file name.
 *
 * <p>On a remote resource {@code params.destination} is a directory inside its scratch directory;
 * each input is streamed there over SFTP (never stored here first) under the same limits, and the
 * copy's checksum is computed on the resource with {@code sha256sum} and compared with the bytes
 * sent.
 */
public class InputStagingHandler implements TaskHandler {

  private static final Pattern UNSAFE_NAME = Pattern.compile("[^A-Za-z0-9._-]");

  private final WorkerProperties properties;
  private final RemoteHosts remotes;
  private final HttpClient http;
  private final AddressPolicy addresses;
  private static final int MAX_REDIRECTS = 5;

  InputStagingHandler(WorkerProperties properties, RemoteHosts remotes) {
    this.properties = properties;
    this.remotes = remotes;
    this.addresses = AddressPolicy.allowing(properties.staging().allowedHosts());
    // redirects are followed here, each hop checked against the address policy
    this.http = HttpClient.newBuilder()
        .connectTimeout(properties.staging().connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  @Override
  public String taskType() {
    return "input-staging";
  }

  @Override
  public Map<String, Object> run(TaskContext context) throws Exception {
    var params = context.params();
    var resource = remotes.resource(context.resource());
    if (!resource.local()) {
      return stageRemote(context, resource, sources(params.get("source")));
    }
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
      var checksum = Checksums.sha256(staged);
      long size = Files.size(staged);
      paths.add(staged.toString());
      checksums.put(staged.getFileName().toString(), checksum);
      sizes.put(staged.getFileName().toString(), size);
      context.produced(new DataFile(staged.toString(), ComputeResources.LOCAL, size, checksum));
    }
    return outputs(paths, checksums, sizes);
  }

  private Map<String, Object> stageRemote(TaskContext context, ComputeResources.Resource resource, List<String> sources)
      throws IOException, InterruptedException {
    var destination = resource.within(string(context.params().get("destination")), "destination");
    var files = remotes.files(context.resource());
    files.mkdirs(List.of(destination));
    var paths = new ArrayList<String>();
    var checksums = new LinkedHashMap<String, Object>();
    var sizes = new LinkedHashMap<String, Object>();
    for (var source : sources) {
      context.checkCancelled();
      var opened = open(source);
      try (var in = opened.content()) {
        var name = safeName(opened.name());
        var target = destination + "/" + name;
        var sent = files.upload(in, target);
        paths.add(target);
        checksums.put(name, sent.checksum());
        sizes.put(name, sent.size());
        context.produced(new DataFile(target, context.resource(), sent.size(), sent.checksum()));
      }
    }
    return outputs(paths, checksums, sizes);
  }

  private static Map<String, Object> outputs(List<String> paths, Map<String, Object> checksums, Map<String, Object> sizes) {
    var outputs = new LinkedHashMap<String, Object>();
    outputs.put("path", paths.get(0));
    outputs.put("paths", paths);
    outputs.put("checksums", checksums);
    outputs.put("sizes", sizes);
    return outputs;
  }

  /** An input opened for streaming: its file name and its content, cut off past the size limit. */
  private record Opened(String name, InputStream content) {}

  private Opened open(String source) throws IOException, InterruptedException {
    var uri = uri(source);
    long limit = properties.staging().maxDownloadSize().toBytes();
    if (uri.getScheme().equalsIgnoreCase("file")) {
      var roots = new ArrayList<Path>(properties.staging().allowedRootDirs());
      roots.add(properties.workspaceDir());
      var path = SafePaths.under(roots, uri.getPath(), "input");
      if (!Files.isRegularFile(path)) {
        throw TaskFailure.permanent("input " + uri + " is not a readable file");
      }
      return new Opened(path.getFileName().toString(), Files.newInputStream(path));
    }
    var response = fetch(uri, limit);
    var name = uri.getPath() == null || uri.getPath().endsWith("/") ? "input" : Path.of(uri.getPath()).getFileName().toString();
    return new Opened(name, new LimitedInputStream(response.body(), limit, uri.toString()));
  }

  /** Refuses to read past the size limit of a download whose length was not declared. */
  private static final class LimitedInputStream extends java.io.FilterInputStream {
    private final long limit;
    private final String what;
    private long read;

    LimitedInputStream(InputStream in, long limit, String what) {
      super(in);
      this.limit = limit;
      this.what = what;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      count(b < 0 ? 0 : 1);
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      count(Math.max(0, n));
      return n;
    }

    private void count(int n) {
      read += n;
      if (read > limit) {
        throw TaskFailure.permanent("input %s is over the limit of %d bytes".formatted(what, limit));
      }
    }
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
    var uri = uri(source);
    return uri.getScheme().equalsIgnoreCase("file") ? copyFile(uri, destination) : download(uri, destination);
  }

  private static URI uri(String source) {
    URI uri;
    try {
      uri = new URI(source);
    } catch (URISyntaxException e) {
      throw TaskFailure.permanent("input '" + source + "' is not a URI: " + e.getReason());
    }
    var scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
    if (!List.of("file", "http", "https").contains(scheme)) {
      throw TaskFailure.permanent("input '" + source + "' has an unsupported scheme (file, http, https)");
    }
    return uri;
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

  /** An HTTP input answered 200 and within its declared size; its body still to be read. */
  private HttpResponse<InputStream> fetch(URI uri, long limit) throws IOException, InterruptedException {
    var at = uri;
    HttpResponse<InputStream> response;
    for (int hops = 0; ; hops++) {
      allowed(uri, at);
      var request = HttpRequest.newBuilder(at).timeout(properties.staging().readTimeout()).GET().build();
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      } catch (ConnectException | HttpTimeoutException e) {
        throw TaskFailure.retryable("input " + uri + " is unreachable: " + e.getClass().getSimpleName());
      } catch (IllegalArgumentException e) {
        throw TaskFailure.permanent("input " + uri + " cannot be fetched: " + e.getMessage());
      }
      var location = response.headers().firstValue("Location");
      int code = response.statusCode();
      if (code < 300 || code > 399 || code == 304 || location.isEmpty()) {
        break;
      }
      response.body().close();
      if (hops == MAX_REDIRECTS) {
        throw TaskFailure.permanent("input " + uri + " redirects more than " + MAX_REDIRECTS + " times");
      }
      try {
        at = at.resolve(new URI(location.get()));
      } catch (URISyntaxException e) {
        throw TaskFailure.permanent("input " + uri + " redirects to a malformed location");
      }
      var scheme = at.getScheme() == null ? "" : at.getScheme().toLowerCase();
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw TaskFailure.permanent("input " + uri + " redirects to a " + scheme + " location, not http(s)");
      }
    }
    int status = response.statusCode();
    if (status != 200) {
      response.body().close();
      var message = "input " + uri + " answered HTTP " + status;
      throw status >= 500 || status == 429 ? TaskFailure.retryable(message) : TaskFailure.permanent(message);
    }
    var declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
    if (declared > limit) {
      response.body().close();
      throw TaskFailure.permanent("input %s is %d bytes, over the limit of %d".formatted(uri, declared, limit));
    }
    return response;
  }

  /** Refuses, before connecting, a hop to an address users may not reach. */
  private void allowed(URI input, URI hop) {
    try {
      addresses.check(hop);
    } catch (RefusedAddressException e) {
      throw TaskFailure.permanent("input " + input + " refused: " + e.getMessage());
    } catch (java.net.UnknownHostException e) {
      throw TaskFailure.retryable("input " + input + " is unreachable: host " + hop.getHost() + " is unknown");
    }
  }

  private Path download(URI uri, Path destination) throws IOException, InterruptedException {
    long limit = properties.staging().maxDownloadSize().toBytes();
    var response = fetch(uri, limit);
    try (var body = response.body()) {
      var name = uri.getPath() == null || uri.getPath().endsWith("/") ? "input"
          : Path.of(uri.getPath()).getFileName().toString();
      var target = destination.resolve(safeName(name));
      var partial = destination.resolve(target.getFileName() + ".partial");
      try (var out = Files.newOutputStream(partial)) {
        LimitedCopy.copy(body, out, limit, "input " + uri);
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
