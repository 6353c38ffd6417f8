"""A faithful stand-in for the OpenAI Videos API that renders real MP4 files.

`build_simulator_app` makes the ASGI app; `start_in_process` hosts it on a loopback port inside the
caller's event loop; `run_standalone` serves it until interrupted (`sora2 simulator`).
"""

from sora2.providers.simulator.app import build_simulator_app
from sora2.providers.simulator.server import RunningSimulator, run_standalone, start_in_process

__all__ = ["RunningSimulator", "build_simulator_app", "run_standalone", "start_in_process"]
