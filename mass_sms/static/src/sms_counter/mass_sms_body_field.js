import { SmsWidget, smsWidget } from "@sms/components/sms_widget/fields_sms_widget";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { useDebounced } from "@web/core/utils/timing";
import { useEffect, useState } from "@odoo/owl";

/**
 * The SMS body of a mailing with its counter: characters, encoding and segments by the GSM 03.38
 * rules on the text as a sample recipient gets it, and the mailing's estimated SMS and cost.
 * While the marketer types, each short pause asks the server for the figures of the text in the
 * textarea (the Python segment counter is the only implementation of the rules); the record
 * itself only takes the text when the field is left, as any text field. Odoo's own counter and
 * its IAP pricing link are left out: the company's gateways send and price the SMS.
 */
export class MassSmsBodyField extends SmsWidget {
    static template = "mass_sms.MassSmsBodyField";

    setup() {
        super.setup();
        this.orm = useService("orm");
        // figures of text that the record does not hold yet
        this.preview = useState({ body: null, summary: "", estimate: "" });
        this.refreshPreview = useDebounced(async () => {
            // the figures depend on the recipients: let a change of them reach the record first
            await this.props.record.model.mutex.getUnlockedDef();
            const body = this.targetEditElement.el?.value ?? "";
            if (body === this.recordBody) {
                this.preview.body = null;
                return;
            }
            const figures = await this.orm.call("mailing.mailing", "sms_counter_preview", [
                this.previewValues(body),
            ]);
            if (this.targetEditElement.el?.value === body) {
                Object.assign(this.preview, { body, ...figures });
            }
        }, 300);
        useEffect(
            (el) => {
                if (!el) {
                    return;
                }
                el.addEventListener("input", this.refreshPreview);
                return () => el.removeEventListener("input", this.refreshPreview);
            },
            () => [this.targetEditElement.el]
        );
    }

    get recordBody() {
        return this.props.record.data[this.props.name] || "";
    }

    /** The figures of the text on screen: the record's once it holds that text. */
    get counter() {
        const data = this.props.record.data;
        if (this.preview.body !== null && this.preview.body !== this.recordBody) {
            return this.preview;
        }
        return { summary: data.sms_counter_summary, estimate: data.sms_estimate_summary };
    }

    previewValues(body) {
        const data = this.props.record.data;
        return {
            body_plaintext: body,
            mailing_model_id: data.mailing_model_id?.id || false,
            mailing_domain: data.mailing_domain,
            contact_list_ids: data.contact_list_ids?.currentIds || [],
            sms_allow_unsubscribe: data.sms_allow_unsubscribe,
            sms_gateway_bridge_id: data.sms_gateway_bridge_id?.id || false,
        };
    }
}

registry.category("fields").add("mass_sms_body", { ...smsWidget, component: MassSmsBodyField });
