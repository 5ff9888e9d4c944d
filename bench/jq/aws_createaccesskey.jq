# aws_createaccesskey (policies/aws_createaccesskey) in jq, for the benchmark:
#   zcat AWSLogs/**/*.json.gz | jq -c -f aws_createaccesskey.jq
# One finding object per line, keys as in the detection's stats.by, plus
# "detection". Same rules as the Rego:
#   a. eventName CreateAccessKey and eventSource iam.amazonaws.com;
#   b. errorCode absent, null or not a string (missing), or "success";
#   c. userAgent is not console.amazonaws.com, ignoring case;
#   d. requestParameters.userName is a non-empty string (the target);
#   e. the caller is not an IAM user whose userName equals the target,
#      ignoring case.
# Field values that are missing, null or not strings are null.
# Difference: jq's ascii_downcase folds ASCII only, Rego's lower() all of
# Unicode; IAM names and the console user agent are ASCII.

# field(path): the string at path, else null (absent, null, other type, or a
# parent that is not an object).
def field(p): (try getpath(p) catch null) | if type == "string" then . else null end;

.Records[]
| select(.eventName == "CreateAccessKey" and .eventSource == "iam.amazonaws.com")
| select(field(["errorCode"]) == null or .errorCode == "success")
| select((field(["userAgent"]) | . != null and ascii_downcase == "console.amazonaws.com") | not)
| field(["requestParameters", "userName"]) as $target
| select($target != null and $target != "")
| field(["userIdentity", "type"]) as $type
| select(($type == "IAMUser"
    and (field(["userIdentity", "userName"]) | . != null and ascii_downcase == ($target | ascii_downcase))) | not)
| {
    "detection": "aws_createaccesskey",
    "requestParameters.userName": $target,
    "src": field(["sourceIPAddress"]),
    "eventName": .eventName,
    "eventSource": .eventSource,
    "aws_account_id": (if $type == "AWSAccount" or $type == "AWSService"
                       then field(["recipientAccountId"])
                       else (field(["userIdentity", "accountId"]) // field(["recipientAccountId"])) end),
    "errorCode": "success",
    "userAgent": field(["userAgent"]),
    "eventID": field(["eventID"]),
    "awsRegion": field(["awsRegion"]),
    "userIdentity.principalId": field(["userIdentity", "principalId"]),
    "user_arn": (field(["userIdentity", "arn"]) // field(["requestParameters", "roleArn"]))
  }
