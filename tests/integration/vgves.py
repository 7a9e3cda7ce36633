"""vgves - a VES client for tests: one fault event (its own eventId) and a POST of it to an
agent's VES listener with a real HTTP client."""
import json
import urllib.error
import urllib.request


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


def post(port, body):
    """HTTP status, or None when the connection failed (agent down)."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}/eventListener/v7", data=body, method="POST")
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return None
