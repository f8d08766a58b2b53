"""The setup the shaped-link tests beside the accuracy test share (librespeed_test,
browser_test): hermes-exporter in the client namespace of a netns.Path, far ends in
its server namespace, the accuracy test's namespace-side helpers (exporter address,
metrics, triggering a run) and its table of figures, printed at the end."""
import unittest

import accuracy_test as acc  # its TestCase stays out of this module's namespace
import netns
from accuracy_test import EXPORTER, NICE, print_table
from harness import Harness, binary, wait_for


class ShapedLinkTest(Harness):
    NS_PREFIX = ""  # a subclass names its namespaces (netns.Path adds the pid)
    url, http = acc.AccuracyTest.url, acc.AccuracyTest.http
    metrics, run_probe = acc.AccuracyTest.metrics, acc.AccuracyTest.run_probe

    @classmethod
    def setUpClass(cls):
        reason = netns.unavailable()
        if reason:
            raise unittest.SkipTest(reason)
        cls.check_tools()
        cls.net = netns.Path(cls.NS_PREFIX)
        cls.addClassCleanup(cls.net.close)

    @classmethod
    def check_tools(cls):
        """Raises when a tool the test needs is missing (nothing to check here)."""

    @classmethod
    def tearDownClass(cls):
        print_table()

    def start_target(self, port, *flags, name="target", **kw):
        """A hermes-target on the server address, started and healthy."""
        net = self.net
        self.start(name, net.cmd(net.server_ns, [
            *NICE, binary("hermes-target"), f"--web.listen-address={net.server_ip}:{port}",
            *flags]), **kw)
        wait_for(lambda: self.http(f"http://{net.server_ip}:{port}/-/healthy")[0] == 200,
                 timeout=15, what=f"hermes-target :{port}")

    def start_exporter(self, config):
        """hermes-exporter with `config` in the client namespace, started and ready."""
        self.write("hermes.yml", config)
        self.exporter = self.start("exporter", self.net.cmd(self.net.client_ns, [
            *NICE, binary("hermes-exporter"), "--config.file", self.path("hermes.yml"),
            f"--web.listen-address={EXPORTER}", "--web.enable-lifecycle"]))
        wait_for(lambda: self.exporter.poll() is None and self.http(self.url("/-/ready"))[0] == 200,
                 timeout=15, what="hermes-exporter ready")
