def read_config(path):
    try:
        with open(path) as handle:
            data = handle.read()
    finally:
        # ruleid: QGS105
        return "default"


def cleanup(resource, flag):
    try:
        resource.work()
    except ValueError:
        pass
    finally:
        resource.close()
        if flag:
            # ruleid: QGS105
            return False
    return True


def fine(resource):
    try:
        # ok: QGS105
        return resource.work()
    finally:
        resource.close()


def fine_after(resource):
    try:
        resource.work()
    finally:
        resource.close()
    # ok: QGS105
    return True
