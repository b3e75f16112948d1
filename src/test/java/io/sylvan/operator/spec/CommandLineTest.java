package io.sylvan.operator.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CommandLineTest {

  @Test
  void splitsOnWhitespaceAndHonoursQuotes() {
    assertThat(CommandLine.split("  npx prisma   migrate deploy "))
        .containsExactly("npx", "prisma", "migrate", "deploy");
    assertThat(CommandLine.split("node -e 'console.log(1 && 2)' \"a \\\"b\\\" c\" d\\ e"))
        .containsExactly("node", "-e", "console.log(1 && 2)", "a \"b\" c", "d e");
    assertThat(CommandLine.split("pg_dump --file='' db"))
        .containsExactly("pg_dump", "--file=", "db");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiterString = "=>",
      quoteCharacter = '"',
      textBlock =
          """
          npm run build; rm -rf /        => ';' needs a shell
          npm run build && npm test      => '&&' needs a shell
          npm run build || true          => '||' needs a shell
          npm start &                    => '&' needs a shell
          cat x | grep y                 => '|' needs a shell
          pg_dump db > dump.sql          => redirection '>' needs a shell
          psql < dump.sql                => redirection '<' needs a shell
          echo `id`                      => command substitution with backticks
          echo $(id)                     => command substitution '$('
          echo "$(id)"                   => command substitution '$('
          pg_dump $DATABASE_URL          => '$' expansion needs a shell
          (npm ci)                       => '(' needs a shell
          npm 'run build                 => unterminated single quote at character 5
          npm "run build                 => unterminated double quote at character 5
          npm run build\\                => trailing backslash
          "   "                          => the command is empty
          """)
  void rejectsShellSyntaxWithAClearReason(String command, String reason) {
    assertThatThrownBy(() -> CommandLine.split(command))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(reason);
  }

  @Test
  void acceptsShellCharactersThatAreQuoted() {
    assertThat(CommandLine.split("sh-free 'a;b' \"c|d\" 'e$f'"))
        .containsExactly("sh-free", "a;b", "c|d", "e$f");
  }
}
