"""The setup the shaped-link tests beside the accuracy test share (librespeed_test,
browser_test): hermes-exporter in the client namespace of a netns.Path
(netns_harness.NetnsHarness: exporter address, metrics, triggering a run), far ends
in its server namespace, and the accuracy test's table of figures, printed at the end."""
import unittest

import accuracy_test as acc  # its TestCase stays out of this module's namespace
import netns
from accuracy_test import NICE
from harness import binary, wait_for
from netns_harness import EXPORTER, NetnsHarness


class ShapedLinkTest(NetnsHarness):
    NS_PREFIX = ""  # a subclass names its namespaces (netns.Path adds the pid)

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
        acc.TABLE.print()

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
            f"--web.listen-address={EXPORTER}", "--web.enable-lifecycle",
            "--log.level=debug"]))  # for hermes_window()
        wait_for(lambda: self.exporter.poll() is None and self.http(self.url("/-/ready"))[0] == 200,
                 timeout=15, what="hermes-exporter ready")
