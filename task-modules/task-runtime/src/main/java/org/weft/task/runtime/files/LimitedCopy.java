package org.weft.task.runtime.files;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.weft.task.runtime.TaskFailure;

/** Streams that stop at a size limit: staged files come from places Weft does not control. */
public final class LimitedCopy {

  private LimitedCopy() {}

  /**
   * Copies {@code in} to {@code out}; the bytes copied.
   *
   * @throws TaskFailure (not retryable) once more than {@code limit} bytes came, naming {@code what}
   */
  public static long copy(InputStream in, OutputStream out, long limit, String what) throws IOException {
    var buffer = new byte[64 * 1024];
    long total = 0;
    int read;
    while ((read = in.read(buffer)) >= 0) {
      total += read;
      if (total > limit) {
        throw TaskFailure.permanent("%s is over the limit of %d bytes".formatted(what, limit));
      }
      out.write(buffer, 0, read);
    }
    return total;
  }
}
