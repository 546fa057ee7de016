"""A host's dependency graph, from Compose's and Sentinel's `depends_on` labels.

A dependency is named by a Compose service (of the same project) or by a container name, as
the labels name it; this resolves those names to the identity keys Sentinel tracks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol


class Node(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def compose_project(self) -> str | None: ...
    @property
    def compose_service(self) -> str | None: ...
    @property
    def depends_on(self) -> list[str]: ...


def dependency_graph(nodes: Iterable[Node]) -> dict[str, set[str]]:
    """key -> keys it depends on directly (unknown names are left out: not watched here)."""
    nodes = list(nodes)
    by_service: dict[tuple[str | None, str], set[str]] = {}
    by_name: dict[str, str] = {}
    for node in nodes:
        if node.compose_service:
            by_service.setdefault((node.compose_project, node.compose_service), set()).add(
                node.key)
        by_name[node.name] = node.key
    graph: dict[str, set[str]] = {}
    for node in nodes:
        deps: set[str] = set()
        for wanted in node.depends_on:
            deps |= by_service.get((node.compose_project, wanted), set())
            if wanted in by_name:
                deps.add(by_name[wanted])
        deps.discard(node.key)
        graph[node.key] = deps
    return graph


def neighbours(graph: Mapping[str, set[str]], key: str) -> set[str]:
    """Every key connected to `key` (either direction, transitively), itself excluded."""
    undirected: dict[str, set[str]] = {k: set(v) for k, v in graph.items()}
    for k, deps in graph.items():
        for dep in deps:
            undirected.setdefault(dep, set()).add(k)
    seen, todo = {key}, [key]
    while todo:
        for other in undirected.get(todo.pop(), set()):
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return seen - {key}


def dependents_count(graph: Mapping[str, set[str]], key: str, within: set[str]) -> int:
    """How many of `within` depend on `key`, directly or through others of `within`."""
    found: set[str] = set()
    todo = [key]
    while todo:
        current = todo.pop()
        for k in within:
            if k not in found and current in graph.get(k, set()):
                found.add(k)
                todo.append(k)
    return len(found - {key})
