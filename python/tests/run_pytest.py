"""Runs the binding's pytest suite for ctest and fails when it proves nothing.

pytest exits 5 when it collects no test; a suite where every test was skipped
would also pass silently.  Both are failures here: the suite must run and
pass at least MIN_PASSED tests.
"""
import sys

MIN_PASSED = 20


class Count:
    def __init__(self):
        self.passed = 0
        self.skipped = 0

    def pytest_runtest_logreport(self, report):
        if report.when == "call" and report.passed:
            self.passed += 1
        if report.skipped:
            self.skipped += 1


def main():
    import pytest

    count = Count()
    code = pytest.main(["-q", "-p", "no:cacheprovider", sys.argv[1]], plugins=[count])
    if code != 0:
        return int(code)
    if count.passed < MIN_PASSED:
        print(f"run_pytest: only {count.passed} tests passed (need >= {MIN_PASSED}); "
              f"{count.skipped} skipped", file=sys.stderr)
        return 1
    print(f"run_pytest: {count.passed} passed, {count.skipped} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
