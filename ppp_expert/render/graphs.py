"""Write the explanation graph: DOT/SVG/PNG through Graphviz, GraphML/JSON through networkx."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import graphviz
import networkx as nx

from ppp_expert.errors import PPPExpertError

FORMATS = (".dot", ".gv", ".svg", ".png", ".graphml", ".json")
STYLE = {
    "answer": {"shape": "note", "style": "filled", "fillcolor": "#e8f0fe", "color": "#4a6fa5"},
    "fact": {"shape": "ellipse", "style": "filled", "fillcolor": "#fff4d6", "color": "#b08900"},
    "rule": {"shape": "box", "style": "rounded,filled", "fillcolor": "#f2f2f2", "color": "#555555"},
    "decision": {"shape": "doubleoctagon", "style": "filled", "fillcolor": "#d9f2d9", "color": "#2e7d32"},
    "conclusion": {"shape": "box", "style": "filled", "fillcolor": "#fde7e9", "color": "#aa3333"},
}
CLUSTER_TITLES = {"answer": "Answers", "fact": "Derived facts", "rule": "Rules fired",
                  "decision": "Decisions", "conclusion": "Conclusions"}
WRAP = 30
#: Labels of a graph printed in a memo wrap shorter, so that it fits an A4 page at >= 8 pt.
COMPACT_WRAP = 18


class RenderError(PPPExpertError):
    """The graph could not be written in the requested format."""


def wrapped(text: str, width: int = WRAP) -> str:
    """A label escaped for DOT and wrapped onto lines at spaces, never inside a word (a word longer
    than the width gets a line of its own): DOT's line break is ``\\n``."""
    lines = textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False) or [""]
    return "\\n".join(graphviz.escape(line) for line in lines)


def to_dot(g: nx.DiGraph, compact: bool = False) -> graphviz.Digraph:
    """A left-to-right DOT graph, one cluster per node kind, labels short and escaped. ``compact``:
    shorter lines and closer columns, for a graph printed on a page."""
    width = COMPACT_WRAP if compact else WRAP
    dot = graphviz.Digraph("explanation", graph_attr={
        "rankdir": "LR", "fontname": "Helvetica", "fontsize": "11", "nodesep": "0.15",
        "ranksep": "0.35" if compact else "0.9", "newrank": "true",
        # A printed memo captions the figure itself; a title as wide as the graph would shrink it.
        "label": "" if compact else graphviz.escape(f"ppp-expert explanation: {g.graph.get('case', '')}"),
        "labelloc": "t",
    }, node_attr={"fontname": "Helvetica", "fontsize": "10", "height": "0.3"},
        edge_attr={"color": "#888888", "arrowsize": "0.6"})
    ids = {node: f"n{i}" for i, node in enumerate(sorted(g.nodes))}
    for kind in STYLE:
        members = sorted(n for n in g.nodes if g.nodes[n].get("kind") == kind)
        if not members:
            continue
        with dot.subgraph(name=f"cluster_{kind}") as sub:
            # The title is a plain node of the cluster, not a cluster label: Graphviz lays nodes out
            # so they never overlap, while a left-to-right cluster label can sit on a node.
            # The title stays in the column of the cluster's first node (rank=same), so it adds
            # no column of its own.
            sub.attr(label="", style="dashed", color="#cccccc", margin="10")
            with sub.subgraph() as column:
                column.attr(rank="same")
                column.node(f"title_{kind}", label=CLUSTER_TITLES[kind], shape="plaintext", fontsize="12",
                            fontcolor="#666666")
                column.node(ids[members[0]])
            for node in members:
                data = g.nodes[node]
                if kind == "rule":  # the rule's title in words, its citation below; the id as tooltip
                    label = wrapped(str(data.get("title") or data.get("label", node)), width)
                    if not compact:  # a printed memo lists every citation in its annex table
                        label += "\\n" + graphviz.escape(f"[{data.get('source', '')}]")
                    tooltip = graphviz.escape(str(data.get("label", node)))
                else:
                    text = str(data.get("label", node))
                    if compact and kind in ("answer", "fact"):  # ids as words, so lines break between them
                        text = text.replace("_", " ").replace("=", " = ")
                    label = wrapped(text, width)
                    tooltip = graphviz.escape(str(data.get("title", node)))
                sub.node(ids[node], label=label, tooltip=tooltip, **STYLE[kind])
    small = "10" if compact else "8"  # edge labels: printed at >= 8 pt once the graph is fitted to A4
    for a, b in sorted(g.edges):
        data = g.edges[a, b]
        attrs = {}
        if data.get("overridden"):
            attrs = {"style": "dashed", "color": "#bbbbbb", "label": "overridden", "fontsize": small}
        elif "weight" in data:
            w = float(data["weight"])
            attrs = {"color": "#2e7d32" if w > 0 else "#c62828", "label": f"{w:+.2f}", "fontsize": small}
        elif "party" in data:
            attrs = {"label": graphviz.escape(str(data["party"])), "fontsize": small}
        dot.edge(ids[a], ids[b], **attrs)
    return dot


def dot_available() -> bool:
    return shutil.which("dot") is not None


def write_graph(g: nx.DiGraph, path: str | Path) -> Path:
    """Write ``g`` to ``path`` in the format its suffix names, through the one safe writer
    (``files.write_file``): a regular file or nothing at the name, whole or absent."""
    from ppp_expert.files import check_target, write_file

    out = Path(path)
    suffix = out.suffix.lower()
    if str(path) == "":
        raise RenderError("is empty; expected a file name such as graph.svg", path="''", field="--graph")
    if suffix not in FORMATS:
        what = f"unsupported graph format '{suffix}'" if suffix else "no format suffix in the file name"
        raise RenderError(f"{what}; expected a name ending in one of {', '.join(FORMATS)}",
                          path=str(out), field="--graph")
    check_target(out, option="--graph")
    if suffix in (".graphml", ".json", ".dot", ".gv") or dot_available():
        write_file(out, _encode(g, out, suffix), option="--graph")
        return out
    fallback = out.with_suffix(".dot")
    write_file(fallback, to_dot(g).source, option="--graph")
    raise RenderError(
        f"the Graphviz 'dot' program is not installed (Debian: apt-get install graphviz); wrote {fallback} instead",
        path=str(out), field="--graph",
    )


def _encode(g: nx.DiGraph, out: Path, suffix: str) -> bytes:
    """The bytes of the graph file: made in memory, so nothing is written but by the writer."""
    if suffix == ".graphml":
        buffer = io.BytesIO()
        nx.write_graphml(_stringified(g), buffer)
        return buffer.getvalue()
    if suffix == ".json":
        return json.dumps(nx.node_link_data(g, edges="edges"), sort_keys=True, indent=1).encode("utf-8")
    source = to_dot(g).source
    if suffix in (".dot", ".gv"):
        return source.encode("utf-8")
    try:
        result = subprocess.run(["dot", f"-T{suffix[1:]}"], input=source.encode("utf-8"),
                                capture_output=True, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError("Graphviz 'dot' took longer than 60 s", path=str(out), field="--graph") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderError(f"Graphviz 'dot' failed: {message[0] if message else result.returncode}",
                          path=str(out), field="--graph")
    return bytes(result.stdout)


def _stringified(g: nx.DiGraph) -> nx.DiGraph:
    """GraphML takes only scalar attributes; everything else is written as text."""
    h: nx.DiGraph[str] = nx.DiGraph()
    h.graph.update({k: str(v) for k, v in g.graph.items()})
    for n, data in g.nodes(data=True):
        h.add_node(n, **{k: v if isinstance(v, (str, int, float, bool)) else str(v) for k, v in data.items()})
    for a, b, data in g.edges(data=True):
        h.add_edge(a, b, **{k: v if isinstance(v, (str, int, float, bool)) else str(v) for k, v in data.items()})
    return h
