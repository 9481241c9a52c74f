"""Converts apitrail's Sigma rules for OpenSearch and prints them as JSON on stdout.

Usage: convert_opensearch.py <rules dir> <processing pipeline>

Each base rule becomes the Lucene query pySigma's OpenSearch backend writes for it. The backend has
no correlation rules, so each correlation rule is printed as its definition after the processing
pipeline renamed its fields (type, the rules it counts, group-by fields, timespan, condition):
scripts/lib/sigma-opensearch.mjs runs it as an aggregation over the base rules' queries. A rule the
backend refuses is printed with the backend's reason instead of a query.
"""

import json
import pathlib
import sys

from sigma.backends.opensearch import OpensearchLuceneBackend
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError
from sigma.processing.pipeline import ProcessingPipeline


def main(rules_dir: str, pipeline_file: str) -> None:
    pipeline_yaml = pathlib.Path(pipeline_file).read_text()
    paths = sorted(pathlib.Path(rules_dir).glob("*.yml"))
    rules = SigmaCollection.load_ruleset(paths)
    backend = OpensearchLuceneBackend(processing_pipeline=ProcessingPipeline.from_yaml(pipeline_yaml))
    converted = []
    for rule in rules:
        if isinstance(rule, SigmaCorrelationRule):
            continue
        entry = describe(rule, "base")
        try:
            # A rule a correlation refers to converts to no output of its own; its queries are kept
            # as the rule's conversion result.
            backend.convert_rule(rule)
            entry["query"] = " OR ".join(f"({query})" for query in rule.get_conversion_result())
        except SigmaError as error:
            entry["unsupported"] = str(error)
        converted.append(entry)
    for rule in rules:
        if not isinstance(rule, SigmaCorrelationRule):
            continue
        ProcessingPipeline.from_yaml(pipeline_yaml).apply(rule)
        entry = describe(rule, "correlation")
        entry["type"] = rule.type.name.lower()
        entry["rules"] = [reference.rule.name for reference in rule.rules]
        entry["groupBy"] = list(rule.group_by or [])
        entry["timespanSeconds"] = rule.timespan.seconds
        entry["condition"] = {
            "op": rule.condition.op.name.lower(),
            "count": rule.condition.count,
            "field": rule.condition.fieldref,
        }
        converted.append(entry)
    json.dump({"rules": converted}, sys.stdout, indent=2)
    sys.stdout.write("\n")


def describe(rule, kind: str) -> dict:
    return {
        "kind": kind,
        "name": rule.name,
        "id": str(rule.id),
        "title": rule.title,
        "level": rule.level.name.lower() if rule.level else None,
        "file": pathlib.Path(rule.source.path).name if rule.source else None,
    }


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.stderr.write("usage: convert_opensearch.py <rules dir> <processing pipeline>\n")
        sys.exit(64)
    main(sys.argv[1], sys.argv[2])
