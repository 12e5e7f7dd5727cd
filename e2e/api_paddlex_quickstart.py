"""PaddleX RESTful's quick start (docs/restful/quick_start.md), written as a PaddleX client writes
it, against `aiarts serve`: create and import a dataset, poll its status, split it, create a
project, bind the dataset, get the default parameters, create a task, train and poll, evaluate,
export, predict. GET parameters go as a JSON body (requests.get(url, json=params)), as PaddleX's
clients send them; the base URL carries the token as Basic credentials, nothing else changed.

usage: api_paddlex_quickstart.py BASE_URL DATASET_FOLDER IMAGE
"""
import base64
import json
import sys
import time
from enum import Enum

import requests

# data_struct.md
DatasetStatus = Enum('DatasetStatus', ('XEMPTY', 'XCHECKING', 'XCHECKFAIL', 'XCOPYING', 'XCOPYDONE', 'XCOPYFAIL', 'XSPLITED'), start=0)
TaskStatus = Enum('TaskStatus', ('XUNINIT', 'XINIT', 'XDOWNLOADING', 'XTRAINING', 'XTRAINDONE', 'XEVALUATED', 'XEXPORTING',
                                 'XEXPORTED', 'XTRAINEXIT', 'XDOWNLOADFAIL', 'XTRAINFAIL', 'XEVALUATING', 'XEVALUATEFAIL',
                                 'XEXPORTFAIL', 'XPRUNEING', 'XPRUNETRAIN'), start=0)
PredictStatus = Enum('PredictStatus', ('XPRESTART', 'XPREDONE', 'XPREFAIL'), start=0)

url, dataset_path, image_path = sys.argv[1], sys.argv[2], sys.argv[3]


def ok(ret, step):
    """The document's rule: HTTP 200, then status 1 (else -1 and a message)."""
    assert ret.status_code == 200, f"{step}: HTTP {ret.status_code} {ret.text}"
    body = ret.json()
    assert body['status'] == 1, f"{step}: {body}"
    print(f"ok   {step}")
    return body


def poll(step, request, done, failed=lambda body: False, seconds=90):
    deadline = time.time() + seconds
    while time.time() < deadline:
        ret = request()
        assert ret.status_code == 200, f"{step}: HTTP {ret.status_code} {ret.text}"
        body = ret.json()
        assert body['status'] == 1, f"{step}: {body}"
        if failed(body):
            raise AssertionError(f"{step} failed: {body}")
        if done(body):
            print(f"ok   {step}")
            return body
        time.sleep(0.5)
    raise AssertionError(f"{step}: not done after {seconds} s: {body}")


# The workspace folder the server was started on.
ret = requests.get(url + '/workspace')
dirname = ok(ret, 'GET /workspace: the working directory')['dirname']
assert dirname.startswith('/'), dirname

# 1) Create and import a dataset.
params = {'name': '我的第一个数据集', 'desc': '这里是数据集的描述文字', 'dataset_type': 'classification'}
ret = requests.post(url + '/dataset', json=params)
created = ok(ret, 'POST /dataset creates a dataset')
did = created['id']
assert created['did'] == did and did.startswith('D'), created

params = {'did': did, 'path': dataset_path}
ret = requests.put(url + '/dataset', json=params)
ok(ret, 'PUT /dataset starts the import')

params = {'did': did}
body = poll('GET /dataset until XCOPYDONE', lambda: requests.get(url + '/dataset', json=params),
            lambda b: DatasetStatus(b['dataset_status']) == DatasetStatus.XCOPYDONE,
            lambda b: DatasetStatus(b['dataset_status']) in (DatasetStatus.XCHECKFAIL, DatasetStatus.XCOPYFAIL))
assert body['attr']['name'] == '我的第一个数据集' and body['attr']['type'] == 'classification' and body['attr']['pids'] == [], body

# Split 6:2:2 as the quick start does, then read the details.
params = {'did': did, 'val_split': 0.2, 'test_split': 0.2}
ret = requests.put(url + '/dataset/split', json=params)
ok(ret, 'PUT /dataset/split')
ret = requests.get(url + '/dataset', json={'did': did})
assert DatasetStatus(ok(ret, 'GET /dataset after the split')['dataset_status']) == DatasetStatus.XSPLITED

params = {'did': did}
ret = requests.get(url + '/dataset/details', json=params)
details = ok(ret, 'GET /dataset/details')['details']
assert details['labels'] == ['circle', 'square', 'triangle'], details['labels']
counts = [len(details[k]) for k in ('train_files', 'val_files', 'test_files')]
assert sum(counts) == len(details['file_info']) == 300 and counts == [180, 60, 60], counts
first = details['train_files'][0]
assert details['file_info'][first][0] in details['labels'] and first in details['label_info'][details['file_info'][first][0]]

ret = requests.get(url + '/dataset')
listed = ok(ret, 'GET /dataset lists the datasets')['datasets']
assert [d['id'] for d in listed] == [did] and DatasetStatus(listed[0]['attr']['dataset_status']) == DatasetStatus.XSPLITED

# 2) Create a project and bind the dataset.
params = {'name': '项目名称', 'desc': '项目描述文字', 'project_type': 'classification'}
ret = requests.post(url + '/project', json=params)
pid = ok(ret, 'POST /project')['pid']

params = {'struct': 'project', 'id': pid, 'attr_dict': {'did': did}}
ret = requests.put(url + '/workspace', json=params)
ok(ret, 'PUT /workspace binds the dataset')
params = {'struct': 'project', 'id': pid, 'attr_list': ['did', 'type']}
ret = requests.get(url + '/workspace', json=params)
attr = ok(ret, 'GET /workspace reads the binding')['attr']
assert attr == {'did': did, 'type': 'classification'}, attr
ret = requests.get(url + '/dataset', json={'did': did})
assert ok(ret, 'GET /dataset names the project')['attr']['pids'] == [pid]

# 3) Default parameters, then a task.
params = {'pid': pid}
ret = requests.get(url + '/project/task/params', json=params)
train_params = ok(ret, 'GET /project/task/params: the defaults')['train']
assert train_params['trainer'] == 'aiarts-train' and isinstance(train_params['epochs'], int), train_params
train_params['epochs'] = 3

params_json = json.dumps(train_params)
params = {'pid': pid, 'train': params_json}
ret = requests.post(url + '/project/task', json=params)
tid = ok(ret, 'POST /project/task')['tid']

ret = requests.get(url + '/project/task/params', json={'tid': tid})
assert ok(ret, 'GET /project/task/params of the task')['train']['epochs'] == 3
ret = requests.get(url + '/project/task', json={'tid': tid})
assert TaskStatus(ok(ret, 'GET /project/task: XINIT')['task_status']) == TaskStatus.XINIT

# 4) Train, and follow it.
params = {'tid': tid}
ret = requests.post(url + '/project/task/train', json=params)
ok(ret, 'POST /project/task/train')

params = {'tid': tid, 'type': 'train'}
poll('GET /project/task/metrics while it trains', lambda: requests.get(url + '/project/task/metrics', json=params),
     lambda b: TaskStatus(b['train_log']['task_status']) == TaskStatus.XTRAINDONE,
     lambda b: TaskStatus(b['train_log']['task_status']) in (TaskStatus.XTRAINFAIL, TaskStatus.XTRAINEXIT))
ret = requests.get(url + '/project/task/metrics', json=params)
log = ok(ret, 'GET /project/task/metrics: the train log')['train_log']
assert any(s['name'] == 'train/loss' for s in log['series']), [s['name'] for s in log['series']]

ret = requests.get(url + '/project/task', json={'tid': tid, 'resume': ''})
body = ok(ret, 'GET /project/task with resume')
assert TaskStatus(body['task_status']) == TaskStatus.XTRAINDONE and body['max_saved_epochs'] == 3, body

# Evaluate (asynchronous).
params = {'tid': tid, 'epoch': None, 'topk': 2, 'score_thresh': None, 'overlap_thresh': None}
ret = requests.post(url + '/project/task/evaluate', json=params)
ok(ret, 'POST /project/task/evaluate')
params = {'tid': tid}
body = poll('GET /project/task/evaluate until XEVALUATED', lambda: requests.get(url + '/project/task/evaluate', json=params),
            lambda b: TaskStatus(b['evaluate_status']) == TaskStatus.XEVALUATED,
            lambda b: TaskStatus(b['evaluate_status']) == TaskStatus.XEVALUATEFAIL)
metrics = body['result']['report']['metrics']
assert 0 <= metrics['acc1'] <= 1 and 'acc2' in metrics, metrics
ret = requests.get(url + '/project/task/metrics', json={'tid': tid, 'type': 'eval'})
assert ok(ret, 'GET /project/task/metrics type eval')['eval_metrics']['report']['metrics'] == metrics

# Export the inference model (asynchronous) into a folder of the workspace.
save_dir = dirname + '/exports/quickstart'
params = {'tid': tid, 'type': 'infer', 'save_dir': save_dir, 'quant': False}
ret = requests.post(url + '/project/task/export', json=params)
assert ok(ret, 'POST /project/task/export')['save_dir'] == save_dir
params = {'tid': tid}
body = poll('GET /project/task/export until XEXPORTED', lambda: requests.get(url + '/project/task/export', json=params),
            lambda b: TaskStatus(b['export_status']) == TaskStatus.XEXPORTED,
            lambda b: TaskStatus(b['export_status']) == TaskStatus.XEXPORTFAIL)
assert body['save_dir'] == save_dir, body
ret = requests.get(url + '/model', json={'type': 'exported'})
exported = ok(ret, 'GET /model: the export is registered')['exported_models']
assert [m['tid'] for m in exported] == [tid] and exported[0]['exported_type'] == 0, exported

# Predict one image (asynchronous), then fetch the drawn result through /file.
with open(image_path, 'rb') as f:
    base64_str = str(base64.b64encode(f.read()), 'utf-8')
params = {'tid': tid, 'image_data': base64_str}
ret = requests.post(url + '/project/task/predict', json=params)
result_path = ok(ret, 'POST /project/task/predict')['path']
params = {'tid': tid}
body = poll('GET /project/task/predict until XPREDONE', lambda: requests.get(url + '/project/task/predict', json=params),
            lambda b: PredictStatus(b['predict_status']) == PredictStatus.XPREDONE,
            lambda b: PredictStatus(b['predict_status']) == PredictStatus.XPREFAIL)
assert body['result']['labels'][0]['label'] in ('circle', 'square', 'triangle'), body
params = {'path': result_path}
ret = requests.get(url + '/file', json=params)
img_data = base64.b64decode(ok(ret, 'GET /file: the drawn prediction')['img_data'])
assert img_data[:3] == b'\xff\xd8\xff', img_data[:8]

# Refusals keep the document's shape: HTTP 4xx with status -1 and a message.
ret = requests.get(url + '/dataset', json={'did': 'D9999'})
assert ret.status_code == 404 and ret.json()['status'] == -1 and 'D9999' in ret.json()['message'], ret.text
ret = requests.get(url + '/file', json={'path': '/etc/passwd'})
assert ret.status_code == 400 and ret.json()['status'] == -1, ret.text
ret = requests.get(url + '/project/task/vdl', json={'tid': tid})
assert ret.status_code == 422 and 'VisualDL' in ret.json()['message'], ret.text
ret = requests.delete(url + '/project/task', json={'tid': tid})
ok(ret, 'DELETE /project/task')
ret = requests.get(url + '/project/task', json={'pid': pid})
assert ok(ret, 'GET /project/task of the project')['tasks'] == []
print("quick start: all steps passed")
