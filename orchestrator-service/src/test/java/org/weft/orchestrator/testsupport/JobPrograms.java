package org.weft.orchestrator.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Job programs the scenario tests run in place of the shipped {@code simulate}. */
public final class JobPrograms {

  private JobPrograms() {}

  /**
   * {@code slow-simulate} in {@code dir}: takes {@code --steps} seconds, copies {@code --input} to
   * {@code --output-dir}/result.out, and appends a line to {@code --output-dir}/runs at each start,
   * so that a job started twice shows.
   */
  public static Path slowSimulate(Path dir) throws IOException {
    return write(dir, "slow-simulate", """
        #!/bin/sh
        while [ $# -gt 0 ]; do
          case "$1" in --steps) steps=$2 ;; --input) input=$2 ;; --output-dir) out=$2 ;; esac
          shift 2
        done
        mkdir -p "$out"
        echo "started $$" >> "$out/runs"
        sleep "$steps"
        cp "$input" "$out/result.out"
        """);
  }

  /**
   * {@code straggle OUT MEMBER FIRST AGAIN} in {@code dir}: a second's work, but member
   * {@code slowMember}'s first run takes FIRST seconds and its later ones AGAIN; it notes each start
   * (its member, pid, and whether it is a straggler's replica) in {@code starts} beside OUT, and
   * writes OUT whole at the end, saying who wrote it.
   */
  public static Path straggle(Path dir, int slowMember) throws IOException {
    return write(dir, "straggle", """
        #!/bin/sh
        set -eu
        out="$1" member="$2" here="$(dirname "$1")"
        echo "$member $$ ${WEFT_REPLICA:-false}" >> "$here/starts"
        seconds=1
        if [ "$member" = %d ]; then
          if mkdir "$here/slow-once" 2>/dev/null; then seconds="$3"; else seconds="$4"; fi
        fi
        sleep "$seconds"
        echo "member $member written by $$ replica ${WEFT_REPLICA:-false}" > "$out.partial"
        mv "$out.partial" "$out"
        """.formatted(slowMember));
  }

  /** Writes an executable program {@code name} into {@code dir}. */
  public static Path write(Path dir, String name, String text) throws IOException {
    var program = Files.createDirectories(dir).resolve(name);
    Files.writeString(program, text);
    Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
    return program;
  }
}
