"""Make callqa's demo calls: scripted bank contact-centre dialogues, synthesised with espeak-ng.

Run from the repository root::

    .venv/bin/python demo/make_calls.py            # writes demo/calls/
    .venv/bin/python demo/make_calls.py --out DIR  # somewhere else

Needs the ``espeak-ng`` program (Debian/Ubuntu: ``apt-get install espeak-ng``); everything else
(numpy, scipy, PyAV) is in the project's virtualenv. No system ffmpeg is used: PyAV's wheels carry
their own codecs.

What it does, per call:

1. Each scripted line is spoken by ``espeak-ng -w`` with the agent's or the customer's voice
   (different voice, pitch and speed), then trimmed of espeak's own leading/trailing silence,
   resampled to 8 kHz like telephone audio (``scipy.signal.resample_poly``) and set to a
   speech level.
2. The lines are placed one after another with pauses of 0.3–1.2 s, except for one short
   deliberate overlap (the customer interrupts the agent) and one ~4 s silence (the customer
   is on hold).
3. Stereo calls keep the agent on channel 0 (left) and the customer on channel 1 (right);
   mono calls mix both into one channel. A -55 dBFS Gaussian noise floor is added.
4. The call is encoded (WAV via the ``wave`` module; FLAC and MP3 via PyAV), decoded again
   with PyAV and checked: channels, sample rate, duration, and for lossless files every sample.

Every random choice comes from a per-call fixed seed, so running it again gives the same
files (byte for byte, with the same espeak-ng and PyAV versions).

Besides the audio it writes a metadata sidecar for each call (agent, team, start time),
``README.md`` with the scripted lines, and ``../truth.json`` (who said what, when, as placed) beside the folder, so that
``callqa run demo/calls`` does not take it for a transcript.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
import wave
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import av
import numpy as np
from scipy.signal import resample_poly

Role = Literal["agent", "customer"]

DEMO_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = DEMO_DIR / "calls"

RATE = 8_000  # telephony sample rate of every output file
LEAD_IN_S = 0.5  # line noise before the agent answers
TAIL_S = 0.6  # line noise after the last line
GAP_S = (0.3, 1.2)  # pause between two lines, drawn uniformly
HOLD_S = 4.0  # silence while the customer is on hold
INTERRUPT_S = 0.8  # the interruption starts this long before the agent's line ends
NOISE_DBFS = -55.0  # RMS of the Gaussian noise floor, relative to full scale
SPEECH_DBFS: dict[Role, float] = {"agent": -20.0, "customer": -22.0}  # RMS of each spoken line
PEAK_LIMIT = 0.89  # about -1 dBFS: lines are turned down if their peaks would pass it
TRIM_THRESHOLD = 0.02  # espeak silence trim: samples below 2 % of the line's peak are silence
TRIM_MARGIN_S = 0.02  # keep this much of the quiet edges, so onsets and release are not cut
SIZE_LIMIT_BYTES = 2_500_000  # all of demo/calls must stay under 2.5 MB
MP3_BIT_RATE = 24_000  # plenty for 8 kHz mono speech; keeps the demo folder small


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice: ``-v`` name (with variant), ``-p`` pitch 0–99, ``-s`` words per minute."""

    name: str
    pitch: int
    speed: int

    def args(self) -> list[str]:
        return ["-v", self.name, "-p", str(self.pitch), "-s", str(self.speed)]


@dataclass(frozen=True)
class Line:
    """One scripted line. ``gap``: seconds after the previous line ends; None draws from GAP_S.

    A negative gap starts the line before the previous one has ended (an interruption).
    """

    role: Role
    text: str
    gap: float | None = None


@dataclass(frozen=True)
class Call:
    name: str  # file stem; also callqa's call id
    ext: Literal["wav", "flac", "mp3"]
    channels: Literal[1, 2]
    agent: Voice
    customer: Voice
    lines: tuple[Line, ...]
    seed: int
    summary: str
    defects: tuple[str, ...] = ()  # deliberate quality problems, for rule checks to find
    sidecar: dict[str, Any] | None = None  # written as <name>.meta.json when given

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.ext}"


@dataclass
class Placed:
    """A line as placed in the call: times in seconds from the start of the file."""

    role: Role
    text: str
    start: float
    end: float
    audio: np.ndarray = field(repr=False)


# ---------------------------------------------------------------------------------------------
# The scripts. Nothing here is a real person's data: the dates of birth are impossible on
# purpose, and no card, account, ID or phone numbers are spoken. Agent numbers are short demo
# numbers; each matches its sidecar's agent_id.
#
# Voices: agents use espeak-ng's Klatt variants, which Whisper (base) understands best at 8 kHz
# of the voices tried; customers use female variants, so that a mono call's two speakers differ.
# Some wordings were chosen for the same reason ("put you on hold": "place you on hold" came out
# as "play you unfold" with every voice tried).
# ---------------------------------------------------------------------------------------------

CALLS: tuple[Call, ...] = (
    Call(
        name="stereo_card_declined",
        ext="wav",
        channels=2,
        agent=Voice("en-us+klatt4", pitch=40, speed=165),
        customer=Voice("en-us+f2", pitch=70, speed=170),
        seed=1024,
        summary="A card payment was declined by the fraud check; the agent verifies, holds, unblocks the card.",
        sidecar={
            "agent_id": "A1024",
            "team": "cards",
            "channel_map": "agent,customer",
            "started_at": "2026-11-24T09:12:00",
        },
        lines=(
            Line(
                "agent",
                "Thank you for calling Northwind Bank, my name is Alex, agent number 1 0 2 4. How can I help you?",
            ),
            Line("customer", "Hi. My card was declined this morning."),
            Line("agent", "Could you confirm your date of birth?"),
            Line("customer", "The thirty first of February, nineteen hundred."),
            Line("agent", "May I put you on hold for a moment?"),
            Line("customer", "Sure."),
            Line("agent", "Thank you for holding. Our fraud check stopped the payment.", gap=HOLD_S),
            Line("customer", "Is my card blocked?", gap=-INTERRUPT_S),
            Line("agent", "No, it is active again. Is there anything else I can help you with?"),
            Line("customer", "No, thanks."),
            Line("agent", "Thank you for calling Northwind Bank. Have a nice day."),
        ),
    ),
    Call(
        name="stereo_transfer_fee",
        ext="flac",
        channels=2,
        agent=Voice("en-us+klatt", pitch=35, speed=165),
        customer=Voice("en-us+steph", pitch=60, speed=165),
        seed=2208,
        summary="A question about a fee charged for a transfer abroad; the agent explains and refunds it once.",
        sidecar={"agent_id": "A2208", "team": "payments", "started_at": "2026-11-24T10:40:00"},
        lines=(
            Line(
                "agent",
                "Thank you for calling Northwind Bank, my name is Sam, agent number 2 2 0 8. How can I help you today?",
            ),
            Line("customer", "I was charged a twelve dollar fee for a transfer last week. Why?"),
            Line("agent", "Sure. Can I have your date of birth, please?"),
            Line("customer", "January the first, eighteen hundred."),
            Line("agent", "Thank you. May I put you on hold for a moment while I check?"),
            Line("customer", "Of course."),
            Line(
                "agent",
                "Thank you for waiting. The transfer went abroad, and international transfers cost twelve dollars.",
                gap=HOLD_S,
            ),
            Line("customer", "But nobody told me that!", gap=-INTERRUPT_S),
            Line("agent", "I understand. As a one time courtesy, I have refunded the fee."),
            Line("customer", "Oh, great. Thank you."),
            Line("agent", "Is there anything else I can help you with?"),
            Line("customer", "No, thanks."),
            Line("agent", "Thank you for calling Northwind Bank. Have a nice day."),
        ),
    ),
    Call(
        name="mono_complaint",
        ext="mp3",
        channels=1,
        agent=Voice("en-us+klatt6", pitch=30, speed=175),
        customer=Voice("en-us+f5", pitch=60, speed=170),
        seed=3516,
        sidecar={"agent_id": "A3516", "team": "cards", "started_at": "2026-11-25T14:05:00"},
        summary=(
            "A complaint about a long wait and a card that has not arrived. The agent is curt, says "
            "“that's not my problem” and ends the call without the closing."
        ),
        defects=(
            'agent says "that\'s not my problem"',
            'no closing: the agent never asks "is there anything else", never thanks the customer for calling',
        ),
        lines=(
            Line(
                "agent",
                "Thank you for calling Northwind Bank, this is Jordan, agent number 3 5 1 6. How can I help you?",
            ),
            Line("customer", "I have been waiting on the line for forty minutes! I want to complain."),
            Line("agent", "Well, that's not my problem. I don't decide how long the queue is."),
            Line("customer", "That is not acceptable. And my new card still hasn't arrived."),
            Line("agent", "Okay. Could you confirm your date of birth?"),
            Line("customer", "The fifth of May, eighteen twelve."),
            Line("agent", "May I put you on hold for a moment?"),
            Line("customer", "Fine."),
            Line(
                "agent", "Thanks for waiting. Your card was posted on Monday, it should arrive this week.", gap=HOLD_S
            ),
            Line("customer", "This week? You said that last time!", gap=-INTERRUPT_S),
            Line("agent", "It was posted. There is nothing more I can do."),
            Line("customer", "Unbelievable. Goodbye."),
        ),
    ),
)


# ---------------------------------------------------------------------------------------------
# Synthesis
# ---------------------------------------------------------------------------------------------


def speak(text: str, voice: Voice, workdir: Path) -> np.ndarray:
    """``text`` spoken by espeak-ng, as float32 mono at RATE, trimmed and levelled later."""
    wav_path = workdir / "line.wav"
    subprocess.run(["espeak-ng", *voice.args(), "-w", str(wav_path), text], check=True, capture_output=True)
    with wave.open(str(wav_path), "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise RuntimeError(f"espeak-ng wrote {w.getnchannels()} ch × {8 * w.getsampwidth()} bit, expected mono s16")
        source_rate = w.getframerate()  # 22050 Hz for espeak-ng's own voices
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768.0
    # Polyphase resampling by the reduced ratio (22050 → 8000 is 160/441); its FIR filter is the
    # anti-alias low-pass, which also gives the ~4 kHz band limit of a phone line.
    g = math.gcd(RATE, source_rate)
    return resample_poly(x, RATE // g, source_rate // g).astype(np.float32)


def trim(x: np.ndarray) -> np.ndarray:
    """Cut espeak's leading and trailing silence, so a line's start and end are its speech."""
    loud = np.flatnonzero(np.abs(x) > TRIM_THRESHOLD * np.max(np.abs(x)))
    if loud.size == 0:
        raise RuntimeError("espeak-ng produced silence")
    margin = int(TRIM_MARGIN_S * RATE)
    return x[max(0, loud[0] - margin) : loud[-1] + 1 + margin]


def level(x: np.ndarray, rms_dbfs: float) -> np.ndarray:
    """Scale to the given RMS (whole line, pauses included), then keep the peaks below PEAK_LIMIT."""
    rms = float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))
    y = x * (10 ** (rms_dbfs / 20) / rms)
    peak = float(np.max(np.abs(y)))
    return y * (PEAK_LIMIT / peak) if peak > PEAK_LIMIT else y


def place(call: Call, rng: np.random.Generator, workdir: Path) -> list[Placed]:
    """Synthesise every line and give it its start and end time in the call."""
    placed: list[Placed] = []
    cursor = LEAD_IN_S  # where the next line may start: after everything said so far, plus the gap
    for line in call.lines:
        voice = call.agent if line.role == "agent" else call.customer
        audio = level(trim(speak(line.text, voice, workdir)), SPEECH_DBFS[line.role])
        if not placed:
            start = LEAD_IN_S
        elif line.gap is not None and line.gap < 0:
            # An interruption: start inside the line before, which keeps on playing underneath.
            start = placed[-1].end + line.gap
        else:
            start = cursor + (line.gap if line.gap is not None else float(rng.uniform(*GAP_S)))
        first = round(start * RATE)  # times are kept on the sample grid, so truth == file
        start, end = first / RATE, (first + len(audio)) / RATE
        placed.append(Placed(line.role, line.text, start, end, audio))
        cursor = max(cursor, end)
    return placed


def mix(call: Call, placed: list[Placed], rng: np.random.Generator) -> np.ndarray:
    """The call as int16 samples, shape (frames, channels)."""
    frames = round((max(p.end for p in placed) + TAIL_S) * RATE)
    tracks = {"agent": np.zeros(frames), "customer": np.zeros(frames)}
    for p in placed:
        a = round(p.start * RATE)
        tracks[p.role][a : a + len(p.audio)] += p.audio
    if call.channels == 2:
        signal = np.stack([tracks["agent"], tracks["customer"]], axis=1)  # channel 0 agent, 1 customer
    else:
        signal = (tracks["agent"] + tracks["customer"])[:, None]  # one microphone hears both
    # Independent noise on every channel, as two line legs would have.
    signal = signal + rng.normal(0.0, 10 ** (NOISE_DBFS / 20), signal.shape)
    return np.clip(np.round(signal * 32768.0), -32768, 32767).astype(np.int16)


# ---------------------------------------------------------------------------------------------
# Encoding and checking
# ---------------------------------------------------------------------------------------------


def encode(path: Path, pcm: np.ndarray) -> None:
    """Write ``pcm`` (int16, frames × channels) as WAV (wave module), FLAC or MP3 (PyAV)."""
    channels = pcm.shape[1]
    if path.suffix == ".wav":
        with wave.open(str(path), "wb") as w:
            w.setnchannels(channels)
            w.setsampwidth(2)  # pcm_s16le
            w.setframerate(RATE)
            w.writeframes(pcm.astype("<i2").tobytes())
        return
    codec, fmt, options = {
        ".flac": ("flac", "s16", {"compression_level": "12"}),  # lossless, packed s16
        ".mp3": ("libmp3lame", "s16p", {}),  # lossy; 8 kHz makes it MPEG-2.5 layer III
    }[path.suffix]
    layout = "mono" if channels == 1 else "stereo"
    with av.open(str(path), "w") as container:
        stream: Any = container.add_stream(codec, rate=RATE, layout=layout)
        stream.format = fmt
        stream.options = options
        if path.suffix == ".mp3":
            stream.bit_rate = MP3_BIT_RATE
        stream.time_base = Fraction(1, RATE)
        chunk = 4_096
        for a in range(0, len(pcm), chunk):
            block = pcm[a : a + chunk]
            # Packed formats take one row of interleaved samples, planar ones a row per channel.
            data = block.reshape(1, -1) if fmt == "s16" else np.ascontiguousarray(block.T)
            frame = av.AudioFrame.from_ndarray(data, format=fmt, layout=layout)
            frame.sample_rate = RATE
            frame.pts = a
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def decode(path: Path) -> tuple[np.ndarray, int, str]:
    """Decode with PyAV: (float samples frames × channels, sample rate, codec name)."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        blocks = []
        for frame in container.decode(stream):
            nd = frame.to_ndarray()
            nch = frame.layout.nb_channels
            block = nd.T if frame.format.is_planar else nd.reshape(-1, nch)
            scale = 32768.0 if np.issubdtype(block.dtype, np.integer) else 1.0
            blocks.append(block.astype(np.float64) / scale)
        return np.concatenate(blocks), int(stream.rate), stream.codec_context.name


def check(path: Path, pcm: np.ndarray) -> dict[str, Any]:
    """Decode ``path`` again and compare with what was written; raise if it does not match."""
    decoded, rate, codec = decode(path)
    expected = pcm.astype(np.float64) / 32768.0
    problems = []
    if rate != RATE:
        problems.append(f"sample rate {rate} Hz, expected {RATE}")
    if decoded.shape[1] != pcm.shape[1]:
        problems.append(f"{decoded.shape[1]} channels, expected {pcm.shape[1]}")
    report: dict[str, Any] = {"codec": codec, "rate": rate, "channels": decoded.shape[1]}
    report["duration_s"] = round(len(decoded) / rate, 3)
    if path.suffix in (".wav", ".flac"):
        if decoded.shape != expected.shape or not np.array_equal(decoded, expected):
            problems.append("lossless file does not decode to the samples written")
    else:
        # Lossy: the length may differ by a codec frame, and the timing must not have shifted
        # (MP3 encoder delay is undone through the LAME header); find the lag by correlation.
        if abs(len(decoded) - len(expected)) > 1_152:
            problems.append(f"decoded {len(decoded)} frames, wrote {len(expected)}")
        lag = _lag(expected[:, 0], decoded[:, 0])
        report["offset_ms"] = round(1000 * lag / RATE, 1)
        if abs(lag) > 0.01 * RATE:
            problems.append(f"decoded audio is shifted by {lag / RATE * 1000:.0f} ms")
    if problems:
        raise RuntimeError(f"{path.name}: " + "; ".join(problems))
    return report


def _lag(reference: np.ndarray, other: np.ndarray, max_lag: int = 2_000) -> int:
    """Samples by which ``other`` lags ``reference``, by cross-correlation over ±max_lag."""
    n = min(len(reference), len(other)) - 2 * max_lag
    ref = reference[max_lag : max_lag + n]
    scores = [float(np.dot(ref, other[max_lag + k : max_lag + k + n])) for k in range(-max_lag, max_lag + 1)]
    return int(np.argmax(scores)) - max_lag


# ---------------------------------------------------------------------------------------------
# Truth and README
# ---------------------------------------------------------------------------------------------


def truth_entry(call: Call, placed: list[Placed]) -> list[dict[str, Any]]:
    """The scripted lines as placed: role, start, end (s), text, and the channel it is on."""
    return [
        {
            "role": p.role,
            "start": round(p.start, 3),
            "end": round(p.end, 3),
            "text": p.text,
            "channel": (0 if p.role == "agent" else 1) if call.channels == 2 else 0,
        }
        for p in placed
    ]


README_HEAD = """\
# Demo calls

Three short English calls to a (fictional) bank's contact centre, made for trying callqa and for
tests. They are synthetic: every line was spoken by espeak-ng from a script, so the exact truth of
who said what and when is known (`truth.json`, and the tables below).

Regenerate them (needs the `espeak-ng` program; numpy, scipy and PyAV come from the virtualenv):

    .venv/bin/python demo/make_calls.py

How they were made: each line is synthesised with a different espeak-ng voice, pitch and speed for
agent and customer, trimmed, resampled to 8 kHz (telephone bandwidth) and placed after a pause of
0.3–1.2 s. Each call has one deliberate overlap (the customer interrupts the agent) and one ~4 s
silence while the customer is on hold. A -55 dBFS noise floor is added; random choices use a fixed
seed, so the files come out the same every time. Stereo calls have the agent on channel 0 (left)
and the customer on channel 1 (right); the mono call mixes both.

No real personal data: names are made up, the dates of birth are impossible on purpose, and no
card, account, ID or phone numbers are spoken.

`../truth.json`: `{call_id: [{"role", "start", "end", "text", "channel"}, ...]}` with times in seconds
from the start of the file, exactly as the lines were placed (speech onset to speech end). The call
id is the file name without its extension, as callqa names the call.

The voices are synthetic and the audio is telephone-band, so expect ASR slips (Whisper base
hears e.g. "date on birth", "North Wind Bank"); compare transcripts loosely.

Run them: `.venv/bin/callqa run demo/calls --out demo-out`.
"""


def readme(calls: list[tuple[Call, list[Placed], dict[str, Any], int]]) -> str:
    """README.md: how the calls were made, a file table, and the script of each call."""
    out = [README_HEAD, "| file | format | length | size | what happens |", "|---|---|---|---|---|"]
    for call, _, info, size in calls:
        codec = {"wav": "WAV (PCM s16le)", "flac": "FLAC", "mp3": f"MP3 ({MP3_BIT_RATE // 1000} kbit/s)"}[call.ext]
        fmt = f"{codec}, {info['rate'] // 1000} kHz, {'stereo' if info['channels'] == 2 else 'mono'}"
        length = f"{info['duration_s']:.1f} s"
        out.append(f"| `{call.filename}` | {fmt} | {length} | {size / 1000:.0f} kB | {call.summary} |")
    for call, placed, _, _ in calls:
        out += ["", f"## {call.filename}", ""]
        roles = (
            "Channel 0: agent, channel 1: customer."
            if call.channels == 2
            else "Mono: agent and customer mixed on one channel."
        )
        voices = f"Voices: agent `{' '.join(call.agent.args())}`, customer `{' '.join(call.customer.args())}`."
        out += [f"{roles} {voices}"]
        if call.sidecar:
            out += ["", f"Sidecar `{call.name}.meta.json`: `{json.dumps(call.sidecar)}`."]
        if call.defects:
            out += ["", "Deliberate defects, for rule checks to find: " + "; ".join(call.defects) + "."]
        out += ["", "| start | end | role | line |", "|---:|---:|---|---|"]
        out += [f"| {p.start:.2f} | {p.end:.2f} | {p.role} | {p.text} |" for p in placed]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def make(out_dir: Path) -> list[tuple[Call, list[Placed], dict[str, Any], int]]:
    """Write every call, its sidecar and README.md into ``out_dir``, and truth.json beside it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    made = []
    with tempfile.TemporaryDirectory(prefix="callqa-demo-") as tmp:
        for call in CALLS:
            rng = np.random.default_rng(call.seed)
            placed = place(call, rng, Path(tmp))
            pcm = mix(call, placed, rng)
            path = out_dir / call.filename
            encode(path, pcm)
            info = check(path, pcm)
            if call.sidecar is not None:
                sidecar = out_dir / f"{call.name}.meta.json"
                sidecar.write_text(json.dumps(call.sidecar, indent=2) + "\n", encoding="utf-8")
            made.append((call, placed, info, path.stat().st_size))
    truth = {call.name: truth_entry(call, placed) for call, placed, _, _ in made}
    (out_dir.parent / "truth.json").write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out_dir / "README.md").write_text(readme(made), encoding="utf-8")
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    if shutil.which("espeak-ng") is None:
        print("espeak-ng is not installed (Debian/Ubuntu: apt-get install espeak-ng)", file=sys.stderr)
        return 1
    made = make(args.out)
    for call, placed, info, size in made:
        extra = f", offset {info['offset_ms']} ms" if "offset_ms" in info else ""
        print(
            f"{call.filename:28s} {info['codec']:10s} {info['channels']} ch {info['rate']} Hz "
            f"{info['duration_s']:5.1f} s {size / 1000:7.1f} kB, {len(placed)} lines{extra}"
        )
    total = sum(p.stat().st_size for p in args.out.iterdir() if p.is_file())
    print(f"total {total / 1000:.1f} kB in {args.out}")
    if total > SIZE_LIMIT_BYTES:
        print(f"warning: over the {SIZE_LIMIT_BYTES / 1e6:.1f} MB budget for demo calls", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
