#!/usr/bin/env python3
"""Checks the repository checks: scripts/check-format.sh must fail on a tree that
breaks its rule and pass on one that keeps it."""
import pathlib
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]

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
