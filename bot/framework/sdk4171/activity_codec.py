"""Activities to and from JSON without msrest's per-call overhead, with msrest's exact results.

msrest (de)serializes a model by interpreting its `_attribute_map` on every call, re-validates it
and, for a request body, first runs it through a deserializer to turn stray dicts into models: about
0.1 ms to read a Teams message activity and 0.2 ms to write a reply on our machines (bench/results.md).
`ModelCodec` compiles each model class's `_attribute_map` once into a list of
`(attribute, JSON key, converter)` and walks that instead.

The fast path only accepts input whose msrest result it reproduces exactly: exact `str` / `bool` /
`int` / `float` values for the basic types (and `Enum` members with a `str` value for `str`), aware
or naive `datetime` for `iso-8601`, plain `dict` / `list` / JSON scalars (and models) for `object`,
`list` for `[T]`, `dict` with `str` keys for `{T}` and model instances (serializing) or dicts
(deserializing) for model types. Anything else -- a wrong type for a field, a dict where a model
belongs, a model type msrest cannot resolve, a class with validation rules, flattened keys, XML or
polymorphism -- makes the whole call fall back to msrest itself, so odd input gets msrest's answer
or msrest's exception, never a third behaviour. Neither path mutates its input before deciding.

What msrest does and the fast path reproduces (tests/bot/test_activity_codec.py compares both over
a corpus and random input):

- serializing: attributes in `_attribute_map` order under their JSON key, `None` omitted, nested
  models by their own class's map (a `Mention` in `entities` keeps its fields), `object` values
  copied as JSON (models inside them serialized), datetimes as `YYYY-MM-DDTHH:MM:SS.fffZ` in UTC
  (msrest's own `serialize_iso`), `additional_properties` dropped unless the class maps them with
  the key `''` (`Model.enable_additional_properties_sending`);
- deserializing: exact JSON keys only, absent and `null` fields `None`, `object` values deep-copied,
  datetimes parsed by msrest's own `deserialize_iso` (same tzinfo objects), and every JSON key a
  class does not map kept in that object's `additional_properties` (Teams' `conversation.tenantId`
  lands there: the schema maps `tenantID`).
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Callable
from enum import Enum
from typing import Any, TypeGuard

import botframework.connector.models as _connector_models
from botbuilder.schema import Activity
from isodate.tzinfo import UTC as _ISODATE_UTC
from isodate.tzinfo import FixedOffset as _IsodateFixedOffset
from msrest.serialization import Deserializer, Model, Serializer

log = logging.getLogger(__name__)

__all__ = ["CONNECTOR", "SCHEMA", "ModelCodec", "deserialize_activity", "serialize_activity"]


class _Unsupported(Exception):  # internal control flow, never escapes this module
    """The fast path cannot reproduce msrest exactly for this input: msrest does the call."""


_MISSING: Any = object()
# msrest is untyped: its pieces as Any, once.
_MsrestSerializer: Any = Serializer
_MsrestDeserializer: Any = Deserializer
_serialize_iso: Any = Serializer.serialize_iso
_deserialize_iso: Any = Deserializer.deserialize_iso
_BASIC = (str, int, float, bool)
_OTHER_MSREST_TYPES = frozenset(
    {"rfc-1123", "unix-time", "duration", "date", "time", "decimal", "bytearray", "base64"}
)

Converter = Callable[[Any], Any]
# (attribute, JSON key, converter); converter None marks msrest's additional-properties slot.
Plan = tuple[tuple[str, str, Converter | None], ...]
DePlan = tuple[tuple[str, str, Converter], ...]


def _unsupported(_value: Any) -> Any:
    raise _Unsupported


# --- serializing: value -> JSON-ready value -----------------------------------------------------


def _ser_str(value: Any) -> Any:
    if type(value) is str:
        return value
    if isinstance(value, Enum) and type(value.value) is str:
        return value.value  # msrest's serialize_unicode returns an enum's value
    raise _Unsupported


def _ser_bool(value: Any) -> Any:
    if type(value) is bool:
        return value
    raise _Unsupported


def _ser_int(value: Any) -> Any:
    if type(value) is int:
        return value
    raise _Unsupported


def _ser_float(value: Any) -> Any:
    if type(value) is float:
        return value
    if type(value) is int:
        return float(value)
    raise _Unsupported


def _ser_iso(value: Any) -> Any:
    if type(value) is not datetime.datetime:
        raise _Unsupported  # msrest also parses strings here: let it
    try:
        # msrest's own formatter (and, for a naive datetime, its "considered UTC" warning).
        return _serialize_iso(value)
    except Exception as error:  # out-of-range dates: msrest raises its own error
        raise _Unsupported from error


def _de_str(value: Any) -> Any:
    if type(value) is str:
        return value
    raise _Unsupported  # msrest would str() it


def _de_bool(value: Any) -> Any:
    if type(value) is bool:
        return value
    raise _Unsupported  # msrest also accepts 1/0/"true"/"false"


def _de_int(value: Any) -> Any:
    if type(value) is int:
        return value
    raise _Unsupported


def _de_float(value: Any) -> Any:
    if type(value) is float:
        return value
    if type(value) is int:
        return float(value)
    raise _Unsupported


# The shape Bot Framework channels send, e.g. 2024-05-02T09:15:31.1234567Z or ...31.123+02:00.
_ISO_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})?"
)


def _de_iso(value: Any) -> Any:
    """msrest's `deserialize_iso` (upper-case, cut the fraction to 6 digits, isodate's parser):
    the common shape directly, every other string by msrest itself."""
    if type(value) is not str:
        raise _Unsupported
    match = _ISO_DATETIME.fullmatch(value.upper())
    if match is None:
        return _deserialize_iso(value)
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    if not 1 < int(year) < 9999 or month == "00":
        return _deserialize_iso(value)  # range checks, isodate's month 00 = January
    if zone is None:
        tzinfo = None
    elif zone == "Z":
        tzinfo = _ISODATE_UTC  # isodate's singleton, as msrest returns it
    else:
        sign = -1 if zone[0] == "-" else 1
        tzinfo = _IsodateFixedOffset(sign * int(zone[1:3]), sign * int(zone[4:6]), zone)
    # Invalid fields raise ValueError here; the caller then lets msrest raise its own error.
    return datetime.datetime(
        int(year), int(month), int(day), int(hour), int(minute), int(second),
        int(fraction[:6].ljust(6, "0")) if fraction else 0,
        tzinfo,
    )


def _de_object(value: Any) -> Any:
    """msrest's `deserialize_object` for parsed JSON: a deep copy of dicts and lists."""
    kind = type(value)
    if kind is dict:
        return {key: _de_object(item) for key, item in value.items()}
    if kind is list:
        return [_de_object(item) for item in value]
    if kind in _BASIC or value is None:
        return value
    raise _Unsupported


class ModelCodec:
    """msrest-equivalent (de)serialization for the model classes of one msrest namespace.

    `dependencies` is the name -> class mapping msrest resolves type names with: for
    `Activity().deserialize` the classes of `botbuilder.schema` (`Model._infer_class_models`), for
    the connector client's serializer those of `botframework.connector.models`.
    """

    def __init__(self, dependencies: dict[str, Any]) -> None:
        self.dependencies = dict(dependencies)
        self.serializer: Any = _MsrestSerializer(self.dependencies)
        self._ser_plans: dict[type, tuple[Any, int, Plan | None]] = {}
        self._de_plans: dict[type, tuple[Any, int, DePlan | None, frozenset[str]]] = {}
        self._ser_converters: dict[Any, Converter] = {}
        self._de_converters: dict[Any, Converter] = {}

    # -- public -------------------------------------------------------------------------------

    def serialize(self, model: Any, type_name: str, fallback: Any = None) -> Any:
        """What msrest's `Serializer.body(model, type_name)` returns (a JSON-ready dict)."""
        try:
            declared = self.dependencies.get(type_name)
            if not isinstance(model, Model) or not _is_model_class(declared):
                raise _Unsupported
            return self._ser_model(model)
        except Exception:  # noqa: BLE001 - anything unexpected: msrest decides, as before
            return (fallback or self.serializer).body(model, type_name)

    def deserialize(self, type_name: str, data: Any) -> Any:
        """What msrest's `Deserializer(dependencies)(type_name, data)` returns for parsed JSON."""
        try:
            target = self.dependencies.get(type_name)
            if not _is_model_class(target) or type(data) is not dict:
                raise _Unsupported
            return self._de_model(target, data)
        except Exception:  # noqa: BLE001 - anything unexpected: msrest decides (or raises)
            return _MsrestDeserializer(self.dependencies)(type_name, data)

    # -- serializing ----------------------------------------------------------------------------

    def _ser_model(self, model: Any) -> dict[str, Any]:
        if not isinstance(model, Model):
            raise _Unsupported  # e.g. a dict where a model belongs: msrest converts it first
        plan = self._ser_plan(type(model))
        out: dict[str, Any] = {}
        for attr, key, convert in plan:
            value = getattr(model, attr, _MISSING)
            if convert is None:  # the class sends its additional properties, unconverted
                if type(value) is not dict:
                    if value is None:
                        continue
                    raise _Unsupported
                out.update(value)
                continue
            if value is None:
                continue
            if value is _MISSING:
                raise _Unsupported
            if key not in out:  # msrest never overwrites a key already written
                out[key] = convert(value)
        return out

    def _ser_plan(self, cls: type) -> Plan:
        attribute_map = getattr(cls, "_attribute_map", None)
        cached = self._ser_plans.get(cls)
        if cached is None or cached[0] is not attribute_map or cached[1] != len(attribute_map or ()):
            plan = self._build_plan(cls, attribute_map, self._ser_converter, keep_extra=True)
            cached = (attribute_map, len(attribute_map or ()), plan)
            self._ser_plans[cls] = cached
        if cached[2] is None:
            raise _Unsupported
        return cached[2]

    def _ser_converter(self, data_type: Any) -> Converter:
        converter = self._ser_converters.get(data_type) if isinstance(data_type, str) else None
        if converter is None:
            converter = self._make_ser_converter(data_type)
            if isinstance(data_type, str):
                self._ser_converters[data_type] = converter
        return converter

    def _make_ser_converter(self, data_type: Any) -> Converter:
        if not isinstance(data_type, str) or not data_type:
            return _unsupported
        simple = {
            "str": _ser_str, "bool": _ser_bool, "int": _ser_int, "long": _ser_int,
            "float": _ser_float, "iso-8601": _ser_iso, "object": self._ser_object,
        }.get(data_type)
        if simple is not None:
            return simple
        if data_type in _OTHER_MSREST_TYPES:
            return _unsupported
        if len(data_type) > 2 and data_type[0] == "[" and data_type[-1] == "]":
            item = self._ser_converter(data_type[1:-1])

            def ser_list(value: Any) -> Any:
                if type(value) is not list:
                    raise _Unsupported
                return [None if entry is None else item(entry) for entry in value]

            return ser_list
        if len(data_type) > 2 and data_type[0] == "{" and data_type[-1] == "}":
            entry_converter = self._ser_converter(data_type[1:-1])

            def ser_dict(value: Any) -> Any:
                if type(value) is not dict:
                    raise _Unsupported
                out = {}
                for key, entry in value.items():
                    if type(key) is not str:
                        raise _Unsupported
                    out[key] = None if entry is None else entry_converter(entry)
                return out

            return ser_dict
        declared = self.dependencies.get(data_type)
        if isinstance(declared, type) and issubclass(declared, Enum):
            return _unsupported  # msrest validates enum values
        # A model type: msrest serializes the instance by its own class's map.
        return self._ser_model

    def _ser_object(self, value: Any) -> Any:
        """msrest's `serialize_object` for JSON-like values and models."""
        kind = type(value)
        if kind in _BASIC or value is None:
            return value
        if kind is dict:
            out = {}
            for key, entry in value.items():
                if type(key) is not str:
                    raise _Unsupported
                out[key] = self._ser_object(entry)
            return out
        if kind is list:
            return [self._ser_object(entry) for entry in value]
        if kind is datetime.datetime:
            return _ser_iso(value)
        if isinstance(value, Model):
            return self._ser_model(value)
        raise _Unsupported  # tuples, dates, Decimals, enums...: msrest has its own rules

    # -- deserializing --------------------------------------------------------------------------

    def _de_model(self, cls: type, data: Any) -> Any:
        if type(data) is not dict:
            raise _Unsupported
        cached = self._de_plans.get(cls)
        attribute_map = getattr(cls, "_attribute_map", None)
        if cached is None or cached[0] is not attribute_map or cached[1] != len(attribute_map or ()):
            built = self._build_plan(cls, attribute_map, self._de_converter, keep_extra=False)
            plan = None if built is None else tuple((a, k, c) for a, k, c in built if c is not None)
            known = frozenset(entry[1] for entry in plan or ())
            cached = (attribute_map, len(attribute_map or ()), plan, known)
            self._de_plans[cls] = cached
        _, _, de_plan, known = cached
        if de_plan is None:
            raise _Unsupported
        kwargs: dict[str, Any] = {}
        get = data.get
        for attr, key, convert in de_plan:
            raw = get(key)
            kwargs[attr] = None if raw is None else convert(raw)
        instance = cls(**kwargs)
        extra = {key: value for key, value in data.items() if key not in known}
        if extra:  # msrest keeps every key the class does not map, unconverted
            instance.additional_properties = extra
        return instance

    def _de_converter(self, data_type: Any) -> Converter:
        converter = self._de_converters.get(data_type) if isinstance(data_type, str) else None
        if converter is None:
            converter = self._make_de_converter(data_type)
            if isinstance(data_type, str):
                self._de_converters[data_type] = converter
        return converter

    def _make_de_converter(self, data_type: Any) -> Converter:
        if not isinstance(data_type, str) or not data_type:
            return _unsupported
        simple = {
            "str": _de_str, "bool": _de_bool, "int": _de_int, "long": _de_int,
            "float": _de_float, "iso-8601": _de_iso, "object": _de_object,
        }.get(data_type)
        if simple is not None:
            return simple
        if data_type in _OTHER_MSREST_TYPES:
            return _unsupported
        if len(data_type) > 2 and data_type[0] == "[" and data_type[-1] == "]":
            item = self._de_converter(data_type[1:-1])

            def de_list(value: Any) -> Any:
                if type(value) is not list:
                    raise _Unsupported
                return [None if entry is None else item(entry) for entry in value]

            return de_list
        if len(data_type) > 2 and data_type[0] == "{" and data_type[-1] == "}":
            entry_converter = self._de_converter(data_type[1:-1])

            def de_dict(value: Any) -> Any:
                if type(value) is not dict:
                    raise _Unsupported
                return {
                    key: None if entry is None else entry_converter(entry)
                    for key, entry in value.items()
                }

            return de_dict
        target = self.dependencies.get(data_type)
        if not _is_model_class(target):
            return _unsupported  # unknown to msrest (KeyError there) or an enum
        de_model = self._de_model

        def de_nested(value: Any) -> Any:
            return de_model(target, value)

        return de_nested

    # -- plans ----------------------------------------------------------------------------------

    def _build_plan(
        self,
        cls: type,
        attribute_map: Any,
        converter: Callable[[Any], Converter],
        *,
        keep_extra: bool,
    ) -> Plan | None:
        """The compiled `_attribute_map`, or None when msrest must handle this class."""
        if not isinstance(attribute_map, dict) or not _is_model_class(cls):
            return None
        if getattr(cls, "_validation", None) or hasattr(cls, "_xml_map"):
            return None  # validation rules, read-only or constant attributes, XML
        if cls.__dict__.get("_subtype_map"):
            return None  # polymorphic: msrest classifies by a discriminator
        plan: list[tuple[str, str, Converter | None]] = []
        for attr, description in attribute_map.items():
            if not isinstance(description, dict):
                return None
            key = description.get("key")
            if attr == "additional_properties" and key == "":
                if keep_extra:
                    plan.append((attr, "", None))
                continue  # deserializing: msrest collects unknown keys instead
            if attr == "additional_properties":
                return None  # a real "additionalProperties" field changes msrest's rules
            if not isinstance(key, str) or not key or "." in key or "\\" in key:
                return None  # flattened or odd keys
            data_type = description.get("type")
            if not keep_extra and not isinstance(data_type, str):
                return None  # msrest fails on this class whatever the input
            plan.append((attr, key, converter(data_type)))
        return tuple(plan)


def _is_model_class(value: Any) -> TypeGuard[type[Model]]:
    return isinstance(value, type) and issubclass(value, Model)


def _models_of(module: Any) -> dict[str, Any]:
    return {name: value for name, value in vars(module).items() if isinstance(value, type)}


# Activity().deserialize(...) resolves type names among botbuilder.schema's classes; the
# connector client's serializer among botframework.connector.models' (schema + Teams).
SCHEMA = ModelCodec(Activity._infer_class_models())
CONNECTOR = ModelCodec(_models_of(_connector_models))


def deserialize_activity(body: Any) -> Activity:
    """`Activity().deserialize(body)`, faster; same result, same exceptions."""
    activity: Activity = SCHEMA.deserialize("Activity", body)
    return activity


def serialize_activity(activity: Any, fallback: Any = None) -> Any:
    """What the connector client's `Serializer.body(activity, "Activity")` sends, faster."""
    return CONNECTOR.serialize(activity, "Activity", fallback)


def serialize_reference(reference: Any) -> Any:
    """`ConversationReference.serialize()`, faster (every message turn stores or checks one)."""
    return SCHEMA.serialize(reference, "ConversationReference")
