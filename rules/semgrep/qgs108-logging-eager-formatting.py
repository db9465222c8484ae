import logging

logger = logging.getLogger(__name__)
LOG = logging.getLogger("app")


class Service:
    def __init__(self):
        self._logger = logging.getLogger("service")

    def handle(self, user, count):
        # ruleid: QGS108
        logger.info(f"user {user} logged in")
        # ruleid: QGS108
        LOG.warning("retrying %s" % user)
        # ruleid: QGS108
        self._logger.error("failed for {}".format(user), exc_info=True)
        # ruleid: QGS108
        logging.debug(f"count={count}")
        # ruleid: QGS108
        logger.log(logging.INFO, f"{count} items")
        # ok: QGS108
        logger.info("user %s logged in", user)
        # ok: QGS108
        print(f"user {user}")
        # ok: QGS108
        self.report.info(f"not a logger {user}")
