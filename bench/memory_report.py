#!/usr/bin/env python3
"""The tables of bench/memory.sh (standard library only).

  memory_report.py ROWS < BUDGETS

ROWS: one JSON object per stack run (side, image/text ["rps", "errors"], load, idle, peak_image,
peak_text: per service {"rss_mib"/"peak_rss_mib", "hwm_mib"}). BUDGETS on stdin: lines
"PRECISION ENCODER MODEL_FILES_MIB" for the ViT-B/32 runs (side "ViT-B/32 PRECISION").
"""
import json
import sys

SERVICE_GOAL_MIB = 256
SERVICES = ["gateway", "text-encoder-svc", "vision-encoder-svc", "fusion-svc", "gallery-svc"]
ENCODERS = {"text": "text-encoder-svc", "vision": "vision-encoder-svc"}


def mib(value):
    return f"{value:.0f}" if value else "n/a"


def threads(run, service):
    return max(
        run["peak_image"].get(service, {}).get("peak_threads", 0),
        run["peak_text"].get(service, {}).get("peak_threads", 0),
    )


def service_row(run, service):
    idle = run["idle"].get(service, {}).get("rss_mib", 0)
    image = run["peak_image"].get(service, {}).get("peak_rss_mib", 0)
    text = run["peak_text"].get(service, {}).get("peak_rss_mib", 0)
    hwm = max(
        run["peak_image"].get(service, {}).get("hwm_mib", 0),
        run["peak_text"].get(service, {}).get("hwm_mib", 0),
    )
    return idle, image, text, hwm


def bundled(runs):
    lines = [
        "Bundled pack (shapes-clip), VmRSS in MiB:",
        "",
        f"| JVM sizing | service | idle | peak, EmbedImage c=32 | peak, EmbedText c=32 | VmHWM "
        f"| VmHWM within {SERVICE_GOAL_MIB} MiB | threads (peak) |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for run in runs:
        for service in SERVICES:
            idle, image, text, hwm = service_row(run, service)
            ok = "yes" if 0 < hwm <= SERVICE_GOAL_MIB else "**no**"
            lines.append(
                f"| {run['side']} | {service} | {mib(idle)} | {mib(image)} | {mib(text)} "
                f"| {mib(hwm)} | {ok} | {threads(run, service)} |"
            )
    return lines


def loads(runs):
    lines = [
        "",
        "The loads (ghz, closed loop, every stack on the same machine):",
        "",
        "| stack | EmbedImage items/s | errors | EmbedText items/s | errors | load average after |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in runs:
        image, text = run["image"], run["text"]
        lines.append(
            f"| {run['side']} | {image[0]} | {image[1]} | {text[0]} | {text[1]} | {run['load']} |"
        )
    return lines


def vit(runs, budgets):
    lines = [
        "",
        "CLIP ViT-B/32 (the launcher's defaults), encoders only, MiB; budget = 1.5 x model files "
        "+ 256 MiB (the ONNX file; for text also tokenizer.json):",
        "",
        "| precision | encoder | model files | budget | idle | peak, EmbedImage c=32 "
        "| peak, EmbedText c=32 | VmHWM | within budget |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in runs:
        precision = run["side"].split()[-1]
        for encoder, service in ENCODERS.items():
            files = budgets.get((precision, encoder), 0.0)
            budget = 1.5 * files + 256
            idle, image, text, hwm = service_row(run, service)
            ok = "yes" if 0 < hwm <= budget else "**no**"
            lines.append(
                f"| {precision} | {service} | {files:.0f} | {budget:.0f} | {mib(idle)} "
                f"| {mib(image)} | {mib(text)} | {mib(hwm)} | {ok} |"
            )
    return lines


def main():
    runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    budgets = {}
    for line in sys.stdin:
        if line.strip():
            precision, encoder, files = line.split()
            budgets[(precision, encoder)] = float(files)
    local = [r for r in runs if not r["side"].startswith("ViT")]
    real = [r for r in runs if r["side"].startswith("ViT")]
    lines = (bundled(local) if local else []) + loads(runs)
    if real:
        lines += vit(real, budgets)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
