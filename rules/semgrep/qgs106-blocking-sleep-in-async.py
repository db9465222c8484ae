import asyncio
import time
from time import sleep


async def poll(client):
    while not client.ready():
        # ruleid: QGS106
        time.sleep(0.5)
    # ruleid: QGS106
    sleep(1)


class Worker:
    async def run(self):
        # ruleid: QGS106
        time.sleep(2)


async def offload(loop):
    def blocking():
        # ok: QGS106
        time.sleep(1)

    await loop.run_in_executor(None, blocking)
    # ok: QGS106
    await asyncio.sleep(1)


def synchronous():
    # ok: QGS106
    time.sleep(1)
