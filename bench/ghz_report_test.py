"""Checks of bench/ghz_report.py (the ghz results table writer).

Run: python3 -B -m unittest discover -s bench -p 'ghz_report_test.py'
"""
import base64
import json
import tempfile
import unittest
from pathlib import Path

import ghz_report


def result(rps, p50_ms, p95_ms, p99_ms, codes):
    return {
        "rps": rps,
        "latencyDistribution": [
            {"percentage": p, "latency": int(ms * 1e6)}
            for p, ms in ((50, p50_ms), (95, p95_ms), (99, p99_ms))
        ],
        "statusCodeDistribution": codes,
    }


class GhzReportTest(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp())

    def write_runs(self, runs):
        lines = []
        for i, (scenario, stack, load, data) in enumerate(runs):
            path = self.dir / f"run-{i}.json"
            if data is not None:
                path.write_text(json.dumps(data))
            lines.append("\t".join([scenario, stack, load, str(path)]))
        runs_path = self.dir / "runs.tsv"
        runs_path.write_text("\n".join(lines) + "\n")
        header = self.dir / "header.md"
        header.write_text("### ghz run, today\n")
        return runs_path, header

    def test_write_replacesOnlyTheBlockBetweenTheMarkers(self):
        doc = self.dir / "benchmarks.md"
        doc.write_text("before\n<!-- ghz:begin -->\nold\n<!-- ghz:end -->\nafter\n")
        runs, header = self.write_runs(
            [("EmbedText", "batching on", "concurrency 64", result(100, 10, 20, 30, {"OK": 5}))]
        )

        ghz_report.write(runs, doc, header)

        text = doc.read_text()
        self.assertTrue(text.startswith("before\n<!-- ghz:begin -->\n### ghz run, today\n"))
        self.assertTrue(text.endswith("<!-- ghz:end -->\nafter\n"))
        self.assertNotIn("old", text)
        self.assertIn("| EmbedText | batching on | concurrency 64 | 5 | 100.0 | 10.0 | 20.0 | 30.0 | none |", text)

    def test_write_reportsBatchingRatioAndTailRatioAgainstTheGoals(self):
        doc = self.dir / "benchmarks.md"
        doc.write_text("<!-- ghz:begin -->\n<!-- ghz:end -->\n")
        runs, header = self.write_runs(
            [
                ("EmbedText", "batching on", "concurrency 64", result(900, 50, 60, 70, {"OK": 9})),
                ("EmbedText", "batching on", "fixed rate 630 rps (70% of peak)",
                 result(630, 10, 30, 40, {"OK": 9})),
                ("EmbedText", "batching off", "concurrency 64", result(200, 300, 400, 500, {"OK": 2})),
                ("EmbedText", "gateway batching off", "concurrency 64",
                 result(450, 100, 110, 120, {"OK": 3})),
            ]
        )

        ghz_report.write(runs, doc, header)

        text = doc.read_text()
        self.assertIn("900.0 / 200.0 rps = **4.50x** (meets the goal of at least 4x)", text)
        self.assertIn("40.0 / 10.0 ms = **4.00** (misses the goal of at most 3)", text)
        self.assertIn("batching on / gateway batching off: 900.0 / 450.0 rps = **2.00x**\n", text)
        self.assertIn(
            "EmbedImage throughput at concurrency 64, batching on / batching off: not measured", text
        )

    def test_write_countsErrorsByStatusAndMarksMissingRuns(self):
        doc = self.dir / "benchmarks.md"
        doc.write_text("no markers yet\n")
        runs, header = self.write_runs(
            [
                ("Classify", "batching on", "concurrency 64",
                 dict(result(50, 1, 2, 3, {"OK": 7, "Unavailable": 2, "DeadlineExceeded": 1}),
                      errorDistribution={"rpc error: code = Unavailable desc = overloaded": 2})),
                ("EmbedImage", "batching off", "concurrency 64", None),
            ]
        )

        ghz_report.write(runs, doc, header)

        text = doc.read_text()
        self.assertTrue(text.startswith("no markers yet\n\n<!-- ghz:begin -->"))
        self.assertIn("| 10 | 50.0 | 1.0 | 2.0 | 3.0 | DeadlineExceeded 1, Unavailable 2 |", text)
        self.assertIn("| EmbedImage | batching off | concurrency 64 | | | | | | not run |", text)
        self.assertIn(
            "- Classify, batching on, concurrency 64: 2 x "
            "`rpc error: code = Unavailable desc = overloaded`",
            text,
        )

    def test_capacity_isTheLastSustainedRateWithAFlatMedian(self):
        probes = [
            (100, result(100, 10, 12, 14, {"OK": 9})),
            (200, result(199, 15, 20, 30, {"OK": 9})),
            (300, result(296, 19, 30, 40, {"OK": 9})),
            (400, result(398, 35, 60, 90, {"OK": 9})),  # median past 3x the first: queues grow
            (500, result(500, 12, 20, 30, {"OK": 9})),  # past the knee already, not counted
        ]
        self.assertEqual(300, ghz_report.capacity(probes))

    def test_capacity_stopsWhereTheTailGrowsThoughTheMedianStaysFlat(self):
        # Classify at 13:13: p50 flat, p99 from 9 to 176 ms, a queue forming in bursts
        probes = [
            (123, result(123, 4.9, 5.9, 9.4, {"OK": 9})),
            (206, result(206, 5.1, 8.5, 11.2, {"OK": 9})),
            (247, result(247, 6.8, 113.6, 175.8, {"OK": 9})),
        ]
        self.assertEqual(206, ghz_report.capacity(probes))

    def test_capacity_stopsAtARateNotSustainedOrWithErrors(self):
        self.assertEqual(100, ghz_report.capacity([
            (100, result(100, 10, 12, 14, {"OK": 9})),
            (200, result(180, 11, 12, 14, {"OK": 9})),
        ]))
        self.assertEqual(100, ghz_report.capacity([
            (100, result(100, 10, 12, 14, {"OK": 9})),
            (200, result(200, 11, 12, 14, {"OK": 9, "Unavailable": 1})),
        ]))
        self.assertEqual(0, ghz_report.capacity([(100, None)]))

    def test_write_namesTheBasisOfTheTailRatio(self):
        doc = self.dir / "benchmarks.md"
        doc.write_text("<!-- ghz:begin -->\n<!-- ghz:end -->\n")
        runs, header = self.write_runs(
            [("EmbedImage", "batching on", "fixed rate 140 rps (70% of open-loop capacity 200 rps)",
              result(140, 10, 20, 25, {"OK": 9}))]
        )

        ghz_report.write(runs, doc, header)

        self.assertIn(
            "EmbedImage p99 / p50 at 70% of its open-loop capacity throughput: 25.0 / 10.0 ms = **2.50**",
            doc.read_text(),
        )

    def test_fields_givesRpsP50P99AndFailedCallsForShellScripts(self):
        r = result(812.345, 10.04, 20.0, 31.06, {"OK": 900, "UNAVAILABLE": 7, "DEADLINE_EXCEEDED": 2})
        self.assertEqual(ghz_report.fields(r), "812.35 10.0 31.1 9")
        self.assertEqual(ghz_report.fields({"rps": 0}), "0.00 0.0 0.0 0")

    def test_prepare_replacesTheImagePlaceholderWithBase64(self):
        config = self.dir / "c.json"
        config.write_text(json.dumps({"call": "x", "data": {"images": [{"encoded": "@IMAGE@"}]}}))
        image = self.dir / "i.jpg"
        image.write_bytes(b"\xff\xd8jpeg")
        out = self.dir / "out.json"

        ghz_report.prepare(config, image, out)

        prepared = json.loads(out.read_text())
        self.assertEqual(base64.b64encode(b"\xff\xd8jpeg").decode(),
                         prepared["data"]["images"][0]["encoded"])
        self.assertEqual("x", prepared["call"])


if __name__ == "__main__":
    unittest.main()
