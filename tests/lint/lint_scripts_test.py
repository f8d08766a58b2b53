#!/usr/bin/env python3
"""Checks the repository checks: scripts/check-layers.py and scripts/check-format.sh
must fail on a tree that breaks their rule and pass on one that keeps it."""
import pathlib
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]

CMAKE = """
function(hermes_module name)
  cmake_parse_arguments(M "" "" "DEPS" ${ARGN})
  add_library(hermes_${name} STATIC x.cc)
  target_link_libraries(hermes_${name} PUBLIC ${M_DEPS})
endfunction()
hermes_module(common DEPS Threads::Threads)
hermes_module(config DEPS hermes_common yaml-cpp)
hermes_module(net DEPS hermes_common)  # not config
hermes_module(app DEPS hermes_net hermes_config)
add_library(hermes_target STATIC t.cc)
target_link_libraries(hermes_target PUBLIC hermes_net)
add_executable(hermes-exporter src/main.cc)
target_link_libraries(hermes-exporter PRIVATE hermes_app)
"""


class CheckLayersTest(unittest.TestCase):
    def setUp(self):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="hermes-layers-"))
        self.addCleanup(shutil.rmtree, self.dir)
        (self.dir / "CMakeLists.txt").write_text(CMAKE)
        self.write("src/common/a.h", "#include <string>\n")
        self.write("src/config/c.h", '#include "common/a.h"\n')
        self.write("src/net/n.cc", '#include "net/n.h"\n#include "common/a.h"\n')
        self.write("src/app/x.cc", '#include "config/c.h"\n#include "net/n.h"\n')
        self.write("src/target/t.cc", '#include "net/n.h"\n#include "target/t.h"\n')
        self.write("src/main.cc", '#include "app/x.h"\n#include "common/a.h"\n')

    def write(self, rel, text):
        path = self.dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def run_check(self):
        return subprocess.run([sys.executable, str(ROOT / "scripts/check-layers.py"), str(self.dir)],
                              capture_output=True, text=True)

    def test_passes_when_includes_follow_deps(self):
        r = self.run_check()
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_reports_upward_include_with_file_line_and_allowed_modules(self):
        self.write("src/net/n.h", '#pragma once\n#include "config/c.h"\n')
        r = self.run_check()
        self.assertEqual(r.returncode, 1)
        self.assertIn("src/net/n.h:2: net includes config/c.h", r.stderr)
        self.assertIn("net may include: common, net", r.stderr)

    def test_reports_sideways_include_of_a_module_reached_by_nobody(self):
        self.write("src/target/t.h", '#include "app/x.h"\n')
        r = self.run_check()
        self.assertEqual(r.returncode, 1)
        self.assertIn("src/target/t.h:1: target includes app/x.h", r.stderr)

    def test_reports_a_dependency_cycle(self):
        (self.dir / "CMakeLists.txt").write_text(
            CMAKE.replace("hermes_module(common DEPS Threads::Threads)",
                          "hermes_module(common DEPS hermes_app)"))
        r = self.run_check()
        self.assertEqual(r.returncode, 1)
        self.assertIn("hermes_common: dependency cycle", r.stderr)

    def test_reports_a_directory_without_library(self):
        self.write("src/extra/e.h", "#pragma once\n")
        r = self.run_check()
        self.assertEqual(r.returncode, 1)
        self.assertIn("src/extra/: no library hermes_extra", r.stderr)


class CheckFormatTest(unittest.TestCase):
    def setUp(self):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="hermes-format-"))
        self.addCleanup(shutil.rmtree, self.dir)
        (self.dir / "scripts").mkdir()
        shutil.copy(ROOT / "scripts/check-format.sh", self.dir / "scripts")
        shutil.copy(ROOT / ".clang-format", self.dir)
        (self.dir / "src").mkdir()
        (self.dir / "src/ok.cc").write_text("int main() { return 0; }\n")
        subprocess.run(["git", "init", "-q", str(self.dir)], check=True)
        subprocess.run(["git", "-C", str(self.dir), "add", "."], check=True)

    def run_check(self, *args):
        return subprocess.run([str(self.dir / "scripts/check-format.sh"), *args],
                              capture_output=True, text=True)

    def test_passes_on_formatted_files(self):
        r = self.run_check()
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_lists_each_unformatted_file_even_untracked(self):
        (self.dir / "src/bad.h").write_text("int  x ;\n")
        (self.dir / "src/worse.cc").write_text("int f( ){return 1;}\n")
        r = self.run_check()
        self.assertEqual(r.returncode, 1)
        self.assertIn("2 file(s) not formatted", r.stderr)
        self.assertIn("  src/bad.h\n", r.stderr)
        self.assertIn("  src/worse.cc\n", r.stderr)
        self.assertNotIn("src/ok.cc", r.stderr)
        self.assertEqual(self.run_check("--fix").returncode, 0)
        self.assertEqual(self.run_check().returncode, 0)
        self.assertEqual((self.dir / "src/bad.h").read_text(), "int x;\n")


if __name__ == "__main__":
    unittest.main()
