"""A small evaluator of CloudFormation intrinsics (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``,
conditions…) against one stack's actual values: the local stack uses it for the resource types
moto's CloudFormation skips, which it creates from the template's own properties."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class _NoValue:
    """``AWS::NoValue``: the property is removed."""


NO_VALUE = _NoValue()
SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


@dataclass
class Resolver:
    """A small evaluator of CloudFormation intrinsics against one stack's actual values."""

    template: Mapping[str, Any]
    parameters: Mapping[str, str]
    pseudo: Mapping[str, str]
    physical_ids: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    get_att: Callable[[str, str], str] | None = None
    _conditions: dict[str, bool] = field(default_factory=dict)

    def parameter(self, name: str) -> str:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        default = self.template.get("Parameters", {}).get(name, {}).get("Default")
        if default is None:
            raise KeyError(f"parameter {name} has no value")
        return str(default)

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            self._conditions[name] = self._truth(self.template["Conditions"][name])
        return self._conditions[name]

    def _truth(self, expr: Any) -> bool:
        if isinstance(expr, bool):
            return expr
        if isinstance(expr, dict) and len(expr) == 1:
            ((fn, args),) = expr.items()
            if fn == "Condition":
                return self.condition(args)
            if fn == "Fn::Equals":
                return str(self.resolve(args[0])) == str(self.resolve(args[1]))
            if fn == "Fn::Not":
                return not self._truth(args[0])
            if fn == "Fn::And":
                return all(self._truth(a) for a in args)
            if fn == "Fn::Or":
                return any(self._truth(a) for a in args)
        raise ValueError(f"unsupported condition: {expr!r}")

    def ref(self, name: str) -> str:
        if name in self.template.get("Resources", {}):
            if name not in self.physical_ids:
                raise KeyError(f"resource {name} does not exist (yet)")
            return self.physical_ids[name]
        return self.parameter(name)

    def attribute(self, logical_id: str, attribute: str) -> str:
        known = self.attributes.get(logical_id, {})
        if attribute in known:
            return known[attribute]
        if self.get_att is None:
            raise KeyError(f"cannot resolve {logical_id}.{attribute}")
        value = self.get_att(logical_id, attribute)
        self.attributes.setdefault(logical_id, {})[attribute] = value
        return value

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, args),) = value.items()
            if key == "Ref":
                return NO_VALUE if args == "AWS::NoValue" else self.ref(args)
            if key == "Fn::GetAtt":
                logical_id, attribute = args if isinstance(args, list) else args.split(".", 1)
                return self.attribute(logical_id, attribute)
            if key == "Fn::Sub":
                return self._sub(args)
            if key == "Fn::If":
                name, when_true, when_false = args
                return self.resolve(when_true if self.condition(name) else when_false)
            if key == "Fn::Join":
                separator, items = args
                return separator.join(str(v) for v in self.resolve(items))
            if key == "Fn::Select":
                index, items = args
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::ToJsonString":
                return json.dumps(self.resolve(args))
            if key.startswith("Fn::"):
                raise ValueError(f"unsupported intrinsic {key}")
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def _sub(self, args: Any) -> str:
        text, variables = (args, {}) if isinstance(args, str) else (args[0], args[1])
        local = {k: str(self.resolve(v)) for k, v in variables.items()}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in local:
                return local[name]
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return self.attribute(logical_id, attribute)
            return self.ref(name)

        return SUB_VAR.sub(substitute, text).replace("${!", "${")
