"""Mermaid state diagrams generated from a definition, never drawn by hand."""

from __future__ import annotations

from states.definition import WorkflowDefinition

_SIDE_MARK = {"agency": "ARS", "ght": "GHT", "system": "auto"}


def mermaid(definition: WorkflowDefinition) -> str:
    """A `stateDiagram-v2` with French state labels and each event tagged with its side."""
    lines = ["stateDiagram-v2", f"    %% {definition.type}: {definition.label}"]
    lines += [f'    state "{s.label}" as {s.name}' for s in definition.states]
    lines.append(f"    [*] --> {definition.initial}")
    for t in definition.transitions:
        for source in t.sources:
            lines.append(f"    {source} --> {t.dest}: {t.event} ({_SIDE_MARK[t.side.value]})")
    lines += [f"    {s.name} --> [*]" for s in definition.states if s.final]
    return "\n".join(lines) + "\n"
