package org.weft.task.runtime.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Files that others read while they are written, written so that a reader sees the old content or
 * the new one whole, never a part: the text goes to a sibling {@code .partial} file first, which a
 * rename within the directory (atomic) puts in place.
 */
public final class WholeFiles {

  private WholeFiles() {}

  public static void write(Path file, CharSequence text) throws IOException {
    var partial = file.resolveSibling(file.getFileName() + ".partial");
    Files.writeString(partial, text, StandardCharsets.UTF_8);
    Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
