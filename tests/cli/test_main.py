"""The command line end to end: bad inputs and a whole build."""

import json
import subprocess
import sys

import pytest


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "dsdcrn", *args], capture_output=True, text=True, cwd=cwd
    )


@pytest.mark.parametrize(
    "crn, extra, words",
    [
        ("A + B -> C\nA -> B [k = fast]\n", [], "net.crn:2:8: rate 'fast' is not a number"),
        ("A + B -> C\n", ["--scheme", "nosuch"], "unknown scheme 'nosuch'"),
        ("B -> C\nA + B -> B + A\n", [], "net.crn:2: reaction A + B -> A + B [k = 1] changes"),
        ("r3_join -> B\n", [], "net.crn:1: species name 'r3_join' is reserved"),
        (
            "A + B -> C\nC + A -> B\nA @initial 10\nB @initial 10\n",
            ["--max-complexes", "12"],
            "enumeration of",
        ),
        ("A + B -> C\n", ["--toehold-nt", "5", "3"], "--toehold-nt: the shortest (5)"),
        ("A + B -> C\n", ["--toehold-nt", "3", "9"], "a 9-nt toehold would never melt"),
        (
            "Pm + Pp -> [k = 100]\nPp + X -> Pp + Y [k = 1]\nPm + X -> Pm + Y [k = 1]\n"
            "Y -> [k = 1]\nPp @initial 10\nPm @initial 10\nX @initial 10\n",
            ["--toehold-nt", "6", "6", "--max-fuel-nM", "500"],
            "cannot realise the rate ratio of reaction",
        ),
        ("A + B -> C\n", ["--read-out", "A,Q"], "no signal strand for output 'Q'"),
        ("A + B -> C\n", ["--read-out", "A,2Q"], "must be comma-separated species names"),
        ("A + B -> C\n", ["--reporter-nM", "0"], "--reporter-nM"),
    ],
)
def test_bad_input_one_line_error_and_no_design_folder(tmp_path, crn, extra, words):
    (tmp_path / "net.crn").write_text(crn)
    out = tmp_path / "design"
    r = run("build", "net.crn", "-o", str(out), "-q", *extra, cwd=tmp_path)
    assert r.returncode == 2
    err = r.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("dsdcrn: error: ") and words in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.crn"]  # no temporary leftovers


def test_build_writes_the_design_folder(tmp_path):
    (tmp_path / "ab.crn").write_text("A + B -> C\nA @initial 10\nB @initial 10\n")
    out = tmp_path / "ab"
    r = run("build", "ab.crn", "-o", str(out), "--seed", "3", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    names = {p.name for p in out.iterdir()}
    assert names == {
        "formal.crn",
        "system.pil",
        "enumerated.pil",
        "verification.json",
        "domains.txt",
        "strands.fasta",
        "complexes.txt",
        "order.csv",
        "mix.csv",
        "protocol.md",
        "protocol.csv",
        "sequence_checks.json",
        "scores.md",
        "scores.json",
        "candidates.csv",
        "counts.json",
        "kinetics.png",
        "kinetics.json",
        "report.md",
        "README.md",
    }
    v = json.loads((out / "verification.json").read_text())
    assert v["verdict"] is True and v["decided_by"] == "crn-bisimulation"
    order = (out / "order.csv").read_text().splitlines()
    assert order[0] == "name,sequence,length,scale,purification,plate,well,modification"
    assert len(order) == 13  # the circuit's 10 strands and the reporter of C (2 strands)
    for row in order[1:]:
        name, seq, n, *_ = row.split(",")
        assert set(seq) <= set("ACGT") and len(seq) == int(n)
    labels = {r.split(",")[0]: r.split(",")[-1] for r in order[1:] if r.startswith("rep_")}
    assert labels == {"rep_C_Q": "3' Iowa Black FQ", "rep_C_F": "5' FAM"}
    mix = (out / "mix.csv").read_text()
    protocol = (out / "protocol.md").read_text()
    assert protocol.startswith("# Mix protocol") and "PAGE" in protocol
    assert (out / "protocol.csv").read_text().startswith("step,what,from_stock,volume_uL")
    assert "r1_join,fuel,1000," in mix and "A,signal,10," in mix
    assert "rep_C,reporter,100,rep_C_Q + rep_C_F," in mix
    assert "# rep_C (reporter, 100 nM): rep_C_Q + rep_C_F" in (out / "complexes.txt").read_text()
    k = json.loads((out / "kinetics.json").read_text())
    assert k["max_rel_error"] < 0.10
    # rate realisation: tau, and the one rate delivered within 1% of its target
    real = k["realisation"]
    assert real["realised"] and real["tau_s"] == k["time_unit_s"] > 0
    assert abs(real["rates"][0]["error"]) < 0.01
    assert k["leak_reactions"] > 0 and k["fuel"]["first_half_s"] is None
    assert k["sequence_rates"]["max_rel_error"] >= 0
    report = (out / "report.md").read_text()
    lead = report.split("## Formal CRN")[0]
    assert f"**Kinetic fidelity: {k['max_rel_error']:.1%}**" in lead
    assert "### Rate realisation" in report and "### Fuel budget" in report
    # same seed, same sequences; the folder is replaced, not merged
    first = (out / "strands.fasta").read_text()
    (out / "strands.fasta").write_text(">old\nACGT\n")  # must be rewritten
    (out / "curve.csv").write_text("epoch\n")  # a dsdcrn output name that build does not write
    r2 = run("build", "ab.crn", "-o", str(out), "--seed", "3", "-q", "--force", cwd=tmp_path)
    assert r2.returncode == 0, r2.stderr
    assert (out / "strands.fasta").read_text() == first
    assert {p.name for p in out.iterdir()} == names


def test_verify_subcommand_reports_a_wrong_spec(tmp_path):
    (tmp_path / "ab.crn").write_text("A + B -> C\n")
    (tmp_path / "wrong.crn").write_text("A + B -> C + C\n")
    r = run("verify", "ab.crn", "--spec", "wrong.crn", cwd=tmp_path)
    assert r.returncode == 1
    assert "crn-bisimulation: False" in r.stdout and "counterexample" in r.stdout


def test_count_and_schemes():
    r = run("count")
    assert r.returncode == 0 and "123 strands, 72 complexes, 4476 nt" in r.stdout
    assert "soloveichik2010: Soloveichik, Seelig & Winfree" in run("schemes").stdout


@pytest.mark.slow
def test_default_build_end_to_end(tmp_path):
    """`dsdcrn build` with no arguments: the default neuron, proven correct (about 1 min)."""
    r = run("build", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "designs" / "nagipogu_reif_neuron_d1"
    v = json.loads((out / "verification.json").read_text())
    assert v["verdict"] is True
    assert all(m["verdict"] is True for m in v["methods"])
    assert json.loads((out / "counts.json").read_text())["strands"] == 123


def test_build_without_sequence_rates_or_realisation(tmp_path):
    """--no-sequence-rates leaves the sequence prediction out; --no-realise keeps the
    uniform fuels and reports the delivered rates at the best single tau."""
    (tmp_path / "ab.crn").write_text("A + B -> C\nA @initial 10\nB @initial 10\n")
    out = tmp_path / "ab"
    args = ["build", "ab.crn", "-o", str(out), "-q", "--no-sequence-rates", "--no-realise"]
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    k = json.loads((out / "kinetics.json").read_text())
    assert k["sequence_rates"] is None
    assert k["realisation"]["realised"] is False and k["realisation"]["concentrations_nM"] == {}
    assert "r1_buffer,fuel,1000," in (out / "mix.csv").read_text()
    assert "Prediction from the designed sequences" not in (out / "report.md").read_text()


def test_the_species_read_out_get_reporters_designed_with_the_circuit(tmp_path):
    (tmp_path / "ab.crn").write_text("A + B -> C\nA @initial 10\nB @initial 10\n")
    out = tmp_path / "seqs"
    args = ["design", "ab.crn", "-o", str(out), "--candidates", "1"]
    r = run(*args, "--read-out", "A,C", "--reporter-nM", "50", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = {r.split(",")[0]: r.split(",") for r in (out / "order.csv").read_text().splitlines()}
    labels = {n: row[-1] for n, row in rows.items() if n.startswith("rep_")}
    assert labels == {
        "rep_A_Q": "3' Iowa Black FQ",
        "rep_A_F": "5' FAM",
        "rep_C_Q": "3' Iowa Black FQ",
        "rep_C_F": "5' HEX",
    }
    assert rows["rep_A_Q"][1] == rows["A"][1][21:36]  # b_A, after h_A (15 nt) and a_A (6)
    text = (out / "complexes.txt").read_text()
    assert "# rep_A (reporter, 50 nM): rep_A_Q + rep_A_F" in text and "rep_B" not in text
    r = run(*args, "--read-out", "none", "--force", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "rep_" not in (out / "order.csv").read_text()
