"""vgves - a VES client for tests: one fault event (its own eventId) and a POST of it to an
agent's VES listener with a real HTTP client (vgtest.ves_post)."""
import json

from vgtest import ves_post as post  # noqa: F401  (the POST, shared with the other tests)


def fault(event_id, now_us):
    return json.dumps({"event": {
        "commonEventHeader": {
            "version": "4.1", "vesEventListenerVersion": "7.2.1", "domain": "fault",
            "eventName": "Fault_ack_test", "eventId": event_id, "sequence": 0, "priority": "High",
            "reportingEntityName": "ack-element", "sourceName": "ack-element",
            "startEpochMicrosec": now_us, "lastEpochMicrosec": now_us},
        "faultFields": {
            "faultFieldsVersion": "4.0", "alarmCondition": "linkDown", "eventSourceType": "port",
            "specificProblem": "ack test", "eventSeverity": "MAJOR", "vfStatus": "Active"}}}).encode()
