"""`make demo`'s port check: `python -m demo.ports HOST PORT [PORT ...]`.

Prints one line naming the first port already taken (and how to pick others), or nothing.
Checking before anything starts keeps a clash to that line instead of a server's traceback.
"""

import socket
import sys


def port_taken(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the servers will bind it (they set SO_REUSEADDR): a port left in TIME_WAIT is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def clash(host: str, ports: list[int]) -> str:
    for port in ports:
        if port_taken(host, port):
            return (
                f"Port {port} on {host} is already in use: stop what holds it, or choose "
                f"other ports, e.g. make demo PORT={ports[0] + 10} HOST_PORT={ports[0] + 11}"
            )
    return ""


if __name__ == "__main__":
    message = clash(sys.argv[1], [int(port) for port in sys.argv[2:]])
    if message:
        print(message)
