/* names-test-svc's little protocol: what names-test calls through the endpoint it looked up. */
#ifndef NAMES_TEST_SVC_H
#define NAMES_TEST_SVC_H

#define SVC_NAME       "echo"
#define SVC_LABEL_ECHO 1    /* mr0 = x -> mr0 = x + 1, mr1 = the caller's badge */
#define SVC_LABEL_EXIT 2    /* replies, then the service exits: its name must go */

#endif
