package org.weft.task.runtime.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weft.task.runtime.TaskFailure;

class CommandTemplateTest {

  @TempDir
  Path programs;

  @Test
  void rendersEachElementAsOneArgumentWhateverItHolds() {
    assertThat(CommandTemplate.render(List.of("simulate", "--steps", 100, "a b; rm -rf / $(id) `x` | y > z")))
        .containsExactly("simulate", "--steps", "100", "a b; rm -rf / $(id) `x` | y > z");
  }

  @Test
  void refusesAPlaceholderLeftUnresolvedNamingIt() {
    assertThatThrownBy(() -> CommandTemplate.render(List.of("simulate", "--input", "${inputs.nope}")))
        .isInstanceOf(TaskFailure.class)
        .hasMessage("command.template[2] references an unknown variable ${inputs.nope}")
        .satisfies(e -> assertThat(((TaskFailure) e).retryable()).isFalse());
  }

  @Test
  void passesTextThatIsNoWeftReferenceAsWritten() {
    assertThat(CommandTemplate.render(List.of("echo", "${HOME}", "$${x}"))).containsExactly("echo", "${HOME}", "$${x}");
  }

  @Test
  void refusesMissingOrNestedTemplates() {
    assertThatThrownBy(() -> CommandTemplate.render(null)).isInstanceOf(TaskFailure.class);
    assertThatThrownBy(() -> CommandTemplate.render(List.of())).isInstanceOf(TaskFailure.class);
    assertThatThrownBy(() -> CommandTemplate.render(List.of("x", Map.of("a", 1))))
        .hasMessage("command.template[1] must be a string or a number");
  }

  @Test
  void findsProgramsOnlyInTheProgramDirectories() throws Exception {
    var program = Files.createFile(programs.resolve("simulate"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    assertThat(CommandTemplate.program("simulate", List.of(programs))).isEqualTo(program);
    assertThat(CommandTemplate.program(program.toString(), List.of(programs))).isEqualTo(program);
    assertThatThrownBy(() -> CommandTemplate.program("sh", List.of(programs)))
        .hasMessageStartingWith("program 'sh' is not in the program directories");
    assertThatThrownBy(() -> CommandTemplate.program("/bin/sh", List.of(programs)))
        .hasMessageContaining("is not an executable inside the allowed program directories");
    assertThatThrownBy(() -> CommandTemplate.program("../simulate", List.of(programs)))
        .hasMessageContaining("is not a plain file name");
  }

  @Test
  void refusesAProgramThatIsNotExecutable() throws Exception {
    Files.createFile(programs.resolve("data.txt"));
    assertThatThrownBy(() -> CommandTemplate.program("data.txt", List.of(programs))).isInstanceOf(TaskFailure.class);
  }

  @Test
  void findsThePathsThatArgumentsName() {
    assertThat(CommandTemplate.pathIn("/etc/passwd")).isEqualTo("/etc/passwd");
    assertThat(CommandTemplate.pathIn("file:///etc/shadow")).isEqualTo("/etc/shadow");
    assertThat(CommandTemplate.pathIn("--input=/data/x")).isEqualTo("/data/x");
    assertThat(CommandTemplate.pathIn("if=/dev/sda")).isEqualTo("/dev/sda");
    assertThat(CommandTemplate.pathIn("../../other/result.out")).isEqualTo("../../other/result.out");
    assertThat(CommandTemplate.pathIn("--from=run/../../x")).isEqualTo("run/../../x");
    for (var plain : List.of("--steps", "100", "1/4", "a b; touch /tmp/x", "run/result.out", "--alpha=0.5", "x=")) {
      assertThat(CommandTemplate.pathIn(plain)).as(plain).isNull();
    }
  }

  @Test
  void checksEveryPathArgumentButTheProgramNamingTheFirstOutside() {
    var inside = Path.of("/work/experiments/e1");
    var checked = new java.util.ArrayList<String>();
    CommandTemplate.checkPaths(List.of("/bin/prog", "--in", "/work/experiments/e1/in.dat", "--n", "3"), (path, field) -> {
      checked.add(field + " " + path);
      if (!Path.of(path).normalize().startsWith(inside)) {
        throw TaskFailure.permanent(field + " " + path + " is outside");
      }
    });
    assertThat(checked).containsExactly("command.template[2] /work/experiments/e1/in.dat");
    assertThatThrownBy(() -> CommandTemplate.checkPaths(List.of("prog", "--out=/work/experiments/e2/out"), (path, field) -> {
      if (!Path.of(path).normalize().startsWith(inside)) {
        throw TaskFailure.permanent(field + " " + path + " is outside");
      }
    })).isInstanceOf(TaskFailure.class).hasMessage("command.template[1] /work/experiments/e2/out is outside");
  }
}
